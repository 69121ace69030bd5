package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/yolo"
)

// Thousands formats n with comma separators: 3151904 → "3,151,904".
func Thousands(n int64) string {
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

// WriteModelInfo writes what models inspect shows of an ONNX file.
func WriteModelInfo(w io.Writer, path string, info *onnxmodel.Info, meta yolo.Metadata, metaErr error) {
	fmt.Fprintf(w, "file:     %s (%s bytes)\n", path, Thousands(info.Size))
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
	fmt.Fprintf(w, "params:   %s\n", Thousands(info.Params))
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
	fmt.Fprintf(w, "  task:    %s\n", asciiDash(meta.Task))
	fmt.Fprintf(w, "  names:   %d classes%s\n", len(meta.Names), firstNames(meta.NameList()))
	if meta.Imgsz != nil {
		fmt.Fprintf(w, "  imgsz:   [%d, %d]\n", meta.Imgsz[0], meta.Imgsz[1])
	} else {
		fmt.Fprintln(w, "  imgsz:   -")
	}
	fmt.Fprintf(w, "  stride:  %s\n", asciiDash(intString(meta.Stride)))
	fmt.Fprintf(w, "  batch:   %s\n", asciiDash(intString(meta.Batch)))
	fmt.Fprintf(w, "  version: %s\n", asciiDash(meta.Version))
	if meta.Generator != "" {
		fmt.Fprintf(w, "  generator: %s (seed %s)\n", meta.Generator, asciiDash(meta.Seed))
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

func asciiDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
