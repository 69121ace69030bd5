package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// runDetect prints the detections of a model on images: the sanity check
// that a model (and yologate's pre- and post-processing) finds what it
// should before its speed means anything.
func runDetect(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("detect", "detect --model MODEL [flags] IMAGE...")
	model := fs.String("model", "", "ONNX file or standard model name (required)")
	imgsz := fs.String("imgsz", "", "input size: 640 or HEIGHTxWIDTH (default: the model's own)")
	conf := fs.Float64("conf", yolo.DefaultScoreThreshold, "score threshold, 0 < conf < 1")
	iou := fs.Float64("iou", yolo.DefaultIoUThreshold, "NMS IoU threshold, 0 < iou ≤ 1")
	maxDet := fs.Int("max-det", yolo.DefaultMaxDetections, "most detections per image")
	ep := fs.String("ep", "cpu", "execution provider: auto, cpu, cuda or tensorrt")
	device := fs.Int("device", 0, "GPU index for the cuda and tensorrt providers")
	threads := fs.Int("threads", 0, "intra-op threads; 0 = ONNX Runtime's default")
	format := fs.String("format", "text", "output format: text or json")
	ortLib := fs.String("ort-lib", "", "ONNX Runtime library (default: $"+ort.LibraryEnv+" or .cache/)")
	dump := fs.String("dump-output", "", "write the raw model output of the last image to this file (little-endian float32)")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	images := fs.Args()
	if err := checkDetectFlags(*model, images, *conf, *iou, *maxDet, *format, *threads); err != nil {
		return err
	}
	frames, err := runner.ReadFrames(images)
	if err != nil {
		return err
	}
	if err := runner.LoadRuntime(*ortLib, c.Getenv); err != nil {
		return err
	}
	provider, err := runner.ResolveProvider(*ep)
	if err != nil {
		return err
	}
	m, size, err := detectModel(*model, *imgsz)
	if err != nil {
		return err
	}
	det, err := runner.NewDetector(m, size, ort.Config{Provider: ort.Provider{Name: provider, Device: *device}, IntraOpThreads: *threads},
		yolo.DecodeOptions{ScoreThreshold: float32(*conf), IoUThreshold: float32(*iou), MaxDetections: *maxDet})
	if err != nil {
		return err
	}
	defer det.Close()
	all, err := det.DetectAll(ctx, images, frames)
	if err != nil {
		return err
	}
	if err := writeFloats(*dump, det.Output()); err != nil {
		return err
	}
	if *format == "json" {
		acc := results.Accuracy{ScoreThreshold: *conf, IoUThreshold: *iou, Images: all}
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(acc)
	}
	fmt.Fprintf(c.Stdout, "model %s, input %v, %s provider, score > %g, NMS IoU %g\n", m.Name, size, provider, *conf, *iou)
	writeDetections(c.Stdout, all)
	return nil
}

// detectModel reads or generates the model and picks its input size.
func detectModel(ref, imgsz string) (*runner.Model, runner.Size, error) {
	var size runner.Size
	if imgsz != "" {
		s, err := runner.ParseSize("--imgsz", imgsz)
		if err != nil {
			return nil, size, err
		}
		size = s
	}
	if _, err := os.Stat(ref); err == nil || filepath.Ext(ref) == ".onnx" {
		m, err := runner.LoadModelFile(ref)
		if err != nil {
			return nil, size, err
		}
		if size == (runner.Size{}) {
			size = m.DefaultSize()
		}
		return m, size, nil
	}
	if size == (runner.Size{}) {
		size = runner.Size{Height: 640, Width: 640}
	}
	m, err := runner.GenerateModel(ref, size, 1)
	return m, size, err
}

// writeFloats writes v as little-endian float32 to path, atomically; an
// empty path writes nothing.
func writeFloats(path string, v []float32) error {
	if path == "" {
		return nil
	}
	buf := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(f))
	}
	return atomicfile.Write(path, buf, 0)
}

// writeDetections prints each image's detections, one per line.
func writeDetections(w io.Writer, all []results.ImageDetections) {
	for _, im := range all {
		fmt.Fprintf(w, "%s (%dx%d): %d detections\n", im.Image, im.Width, im.Height, len(im.Detections))
		for _, d := range im.Detections {
			fmt.Fprintf(w, "  %-14s %.3f  x1=%.1f y1=%.1f x2=%.1f y2=%.1f\n", d.Name, d.Score, d.X1, d.Y1, d.X2, d.Y2)
		}
	}
}

// checkDetectFlags checks detect's flags before any file is read.
func checkDetectFlags(model string, images []string, conf, iou float64, maxDet int, format string, threads int) error {
	switch {
	case model == "":
		return errs.Usagef("--model", "name an ONNX file or a standard model such as yolov8n", "no model given")
	case len(images) == 0:
		return errs.Usagef("detect", "pass one or more JPEG or PNG files after the flags", "no images given")
	case !(conf > 0 && conf < 1):
		return errs.Usagef("--conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", conf)
	case !(iou > 0 && iou <= 1):
		return errs.Usagef("--iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", iou)
	case maxDet < 1:
		return errs.Usagef("--max-det", "use a positive count such as 300", "bad maximum detections %d", maxDet)
	case format != "text" && format != "json":
		return errs.Usagef("--format", "use text or json", "unknown format %q", format)
	case threads < 0:
		return errs.Usagef("--threads", "use 0 for ONNX Runtime's default or a positive count", "negative thread count %d", threads)
	}
	return nil
}
