package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
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
	return report.WriteModelList(c.Stdout)
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
		*out, name, info.Inputs[0].ShapeString(), report.Thousands(info.Params), gflops, b, size.Height, size.Width, info.SHA256)
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
	report.WriteModelInfo(c.Stdout, pos[0], info, meta, metaErr)
	return nil
}
