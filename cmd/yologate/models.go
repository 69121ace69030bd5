package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/yolo"
)

const modelsUsage = `models list | generate NAME [flags] -o FILE.onnx | inspect FILE.onnx

  list      the standard models with parameters and GFLOPs at 640
  generate  write a standard model as ONNX (bit-identical on every machine)
  inspect   inputs, outputs, opset, parameters, GFLOPs and Ultralytics metadata of an ONNX file`

func runModels(_ context.Context, c *Command, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := c.newFlags("models", modelsUsage)
		if err := c.parseFlags(fs, args); err != nil {
			return err
		}
		return errs.Usagef("models", "use models list, models generate NAME -o FILE or models inspect FILE", "missing subcommand")
	}
	switch args[0] {
	case "list":
		return c.modelsList(args[1:])
	case "generate":
		return c.modelsGenerate(args[1:])
	case "inspect":
		return c.modelsInspect(args[1:])
	}
	return errs.Usagef("models "+args[0], "valid: list, generate, inspect", "unknown subcommand")
}

func (c *Command) modelsList(args []string) error {
	fs := c.newFlags("models list", "models list")
	pos, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errs.Usagef("models list", "models list takes no arguments", "unexpected argument %q", pos[0])
	}
	w := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "NAME\tFAMILY\tSCALE\tPARAMS\tGFLOPS@640\tPUBLISHED PARAMS\tPUBLISHED GFLOPS\t")
	for _, m := range yolo.StandardModels() {
		st, err := yolo.ModelStats(m.Name, 640, 640)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.1f\t%s\t%.1f\t\n", m.Name, m.Family, m.Scale,
			thousands(st.Params), st.GFLOPs, thousands(m.PublishedParams), m.PublishedGFLOPs)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.Stdout, "\nParameters and GFLOPs are those of the generated graph (batch norm folded; a multiply-add counts 2 FLOPs).")
	return nil
}

// thousands formats n with comma separators: 3151904 → "3,151,904".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func (c *Command) modelsGenerate(args []string) error {
	fs := c.newFlags("models generate", "models generate NAME [--imgsz 640|HxW] [--batch N] [--dynamic] [--seed N] -o FILE.onnx")
	imgsz := fs.String("imgsz", "640", "input `SIZE`: 640 or HEIGHTxWIDTH, multiples of 32")
	batch := fs.String("batch", "1", "batch `SIZE` (at least 1)")
	dynamic := fs.Bool("dynamic", false, "symbolic batch, height and width (\"batch\", \"height\", \"width\")")
	seed := fs.Uint64("seed", 0, "weight seed (0: the standard seed; another seed gives another, equally valid model)")
	out := fs.String("o", "", "output `FILE`.onnx (written atomically)")
	pos, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	valid := "valid models: " + strings.Join(yolo.StandardNames(), ", ")
	switch len(pos) {
	case 0:
		return errs.Usagef("models generate", valid, "missing model NAME")
	case 1:
	default:
		return errs.Usagef("models generate", "give one model NAME", "unexpected argument %q", pos[1])
	}
	name := pos[0]
	if _, ok := yolo.LookupModel(name); !ok {
		return errs.Usagef(name, valid, "unknown standard model")
	}
	size, err := runner.ParseSize("--imgsz", *imgsz)
	if err != nil {
		return err
	}
	b, err := runner.ParseBatch("--batch", *batch)
	if err != nil {
		return err
	}
	if *out == "" {
		return errs.Usagef("-o", "add -o FILE.onnx", "missing output file")
	}
	data, err := yolo.Generate(name, yolo.GenerateOptions{Height: size.Height, Width: size.Width, Batch: b, Dynamic: *dynamic, Seed: *seed})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(*out, data, 0); err != nil {
		// A path that cannot be written is a usage error naming -o.
		var e *errs.Error
		errors.As(err, &e)
		return errs.Usagef("-o", "choose a writable output path", "%q: %s", *out, e.Msg)
	}
	info, err := onnxmodel.Inspect(data)
	if err != nil {
		return err
	}
	gflops, _, _ := info.GFLOPsAt(b, size.Height, size.Width)
	fmt.Fprintf(c.Stdout, "wrote %s: %s, input %s, %s params, %.1f GFLOPs at %dx%dx%d, sha256 %s\n",
		*out, name, info.Inputs[0].ShapeString(), thousands(info.Params), gflops, b, size.Height, size.Width, info.SHA256)
	return nil
}

func (c *Command) modelsInspect(args []string) error {
	fs := c.newFlags("models inspect", "models inspect FILE.onnx")
	pos, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errs.Usagef("models inspect", "give one ONNX file", "want one FILE, got %d arguments", len(pos))
	}
	info, err := onnxmodel.InspectFile(pos[0])
	if err != nil {
		return err
	}
	meta, metaErr := yolo.ParseMetadata(info.Metadata)
	printInspect(c.Stdout, pos[0], info, meta, metaErr)
	return nil
}

// printInspect writes the inspect report.
func printInspect(w io.Writer, path string, info *onnxmodel.Info, meta yolo.Metadata, metaErr error) {
	fmt.Fprintf(w, "file:     %s (%s bytes)\n", path, thousands(info.Size))
	fmt.Fprintf(w, "sha256:   %s\n", info.SHA256)
	producer := strings.TrimSpace(info.ProducerName + " " + info.ProducerVersion)
	if producer == "" {
		producer = "-"
	}
	fmt.Fprintf(w, "producer: %s (ir_version %d)\n", producer, info.IRVersion)
	var opsets []string
	for _, o := range info.Opsets {
		d := o.Domain
		if d == "" {
			d = "ai.onnx"
		}
		opsets = append(opsets, fmt.Sprintf("%s %d", d, o.Version))
	}
	fmt.Fprintf(w, "opset:    %d (%s)\n", info.Opset, strings.Join(opsets, ", "))
	for _, in := range info.Inputs {
		fmt.Fprintf(w, "input:    %s %s %s\n", in.Name, in.Type, in.ShapeString())
	}
	for _, out := range info.Outputs {
		fmt.Fprintf(w, "output:   %s %s %s\n", out.Name, out.Type, out.ShapeString())
	}
	fmt.Fprintf(w, "nodes:    %d (%s)\n", info.Nodes, opSummary(info.Ops))
	fmt.Fprintf(w, "params:   %s\n", thousands(info.Params))
	gflops, covered, total := info.GFLOPs, info.FLOPsCovered, info.FLOPsNodes
	input := append([]int64(nil), info.FLOPsInput...)
	// A dynamic export is estimated at the size its metadata says it was
	// exported for, rather than at 640.
	if img, ok := info.InputImage(); ok && meta.Imgsz != nil && !img.Shape[2].Known() && !img.Shape[3].Known() && len(input) == 4 {
		input[2], input[3] = int64(meta.Imgsz[0]), int64(meta.Imgsz[1])
		gflops, covered, total = info.GFLOPsAt(int(input[0]), meta.Imgsz[0], meta.Imgsz[1])
	}
	shape := make([]string, len(input))
	for i, d := range input {
		shape[i] = strconv.FormatInt(d, 10)
	}
	cover := ""
	if covered < total {
		cover = fmt.Sprintf(", %d of %d compute nodes sized", covered, total)
	}
	fmt.Fprintf(w, "GFLOPs:   %.2f (estimate at input [%s]%s)\n", gflops, strings.Join(shape, " "), cover)
	if len(info.Metadata) == 0 {
		fmt.Fprintln(w, "metadata: none")
		return
	}
	fmt.Fprintln(w, "ultralytics metadata:")
	fmt.Fprintf(w, "  task:    %s\n", orDash(meta.Task))
	fmt.Fprintf(w, "  names:   %d classes%s\n", len(meta.Names), firstNames(meta.NameList()))
	if meta.Imgsz != nil {
		fmt.Fprintf(w, "  imgsz:   [%d, %d]\n", meta.Imgsz[0], meta.Imgsz[1])
	} else {
		fmt.Fprintln(w, "  imgsz:   -")
	}
	fmt.Fprintf(w, "  stride:  %s\n", orDash(intString(meta.Stride)))
	fmt.Fprintf(w, "  batch:   %s\n", orDash(intString(meta.Batch)))
	fmt.Fprintf(w, "  version: %s\n", orDash(meta.Version))
	if meta.Generator != "" {
		fmt.Fprintf(w, "  generator: %s (seed %s)\n", meta.Generator, orDash(meta.Seed))
	}
	var other []string
	for _, k := range info.MetadataKeys {
		if !knownMetaKey[k] {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(w, "  other keys: %s\n", strings.Join(other, ", "))
	}
	if metaErr != nil {
		var l errs.List
		if errors.As(metaErr, &l) {
			for _, e := range l {
				fmt.Fprintf(w, "  warning: %s\n", e.Error())
			}
		} else {
			fmt.Fprintf(w, "  warning: %s\n", metaErr)
		}
	}
}

var knownMetaKey = map[string]bool{
	"description": true, "author": true, "date": true, "version": true, "license": true, "docs": true,
	"stride": true, "task": true, "batch": true, "imgsz": true, "names": true, "args": true,
	"channels": true, "end2end": true, "head": true, yolo.MetaGenerator: true, yolo.MetaSeed: true,
}

func opSummary(ops map[string]int) string {
	type kv struct {
		op string
		n  int
	}
	var l []kv
	for op, n := range ops {
		l = append(l, kv{op, n})
	}
	sort.Slice(l, func(i, j int) bool {
		if l[i].n != l[j].n {
			return l[i].n > l[j].n
		}
		return l[i].op < l[j].op
	})
	var parts []string
	for i, x := range l {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("%d more types", len(l)-6))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", x.op, x.n))
	}
	return strings.Join(parts, ", ")
}

func firstNames(names []string) string {
	if len(names) == 0 {
		return ""
	}
	n := min(3, len(names))
	s := ": " + strings.Join(names[:n], ", ")
	if len(names) > n {
		s += ", ..."
	}
	return s
}

func intString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
