package setup

import (
	"context"
	"flag"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// Detect are the settings of a detect run: a model's detections on
// images, the sanity check that it (and yologate's pre- and
// post-processing) finds what it should before its speed means anything.
type Detect struct {
	Model, Size, EP    string
	Conf, IoU          float64
	MaxDet             int
	Device, Threads    int
	Format             string
	ORTLib, DumpOutput string
}

// Register defines detect's flags on fs.
func (d *Detect) Register(fs *flag.FlagSet) {
	fs.StringVar(&d.Model, "model", "", "ONNX file or standard model name (required)")
	fs.StringVar(&d.Size, "imgsz", "", "input size: 640 or HEIGHTxWIDTH (default: the model's own)")
	fs.Float64Var(&d.Conf, "conf", yolo.DefaultScoreThreshold, "score threshold, 0 < conf < 1")
	fs.Float64Var(&d.IoU, "iou", yolo.DefaultIoUThreshold, "NMS IoU threshold, 0 < iou ≤ 1")
	fs.IntVar(&d.MaxDet, "max-det", yolo.DefaultMaxDetections, "most detections per image")
	fs.StringVar(&d.EP, "ep", "cpu", "execution provider: auto, cpu, cuda or tensorrt")
	fs.IntVar(&d.Device, "device", 0, "GPU index for the cuda and tensorrt providers")
	fs.IntVar(&d.Threads, "threads", 0, "intra-op threads; 0 = ONNX Runtime's default")
	fs.StringVar(&d.Format, "format", "text", "output format: text or json")
	fs.StringVar(&d.ORTLib, "ort-lib", "", "ONNX Runtime library (default: $"+ort.LibraryEnv+" or .cache/)")
	fs.StringVar(&d.DumpOutput, "dump-output", "", "write the raw model output of the last image to this file (little-endian float32)")
}

// check checks the settings before any file is read.
func (d *Detect) check(images []string) error {
	switch {
	case d.Model == "":
		return errs.Usagef("--model", "name an ONNX file or a standard model such as yolov8n", "no model given")
	case len(images) == 0:
		return errs.Usagef("detect", "pass one or more JPEG or PNG files after the flags", "no images given")
	case !(d.Conf > 0 && d.Conf < 1):
		return errs.Usagef("--conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", d.Conf)
	case !(d.IoU > 0 && d.IoU <= 1):
		return errs.Usagef("--iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", d.IoU)
	case d.MaxDet < 1:
		return errs.Usagef("--max-det", "use a positive count such as 300", "bad maximum detections %d", d.MaxDet)
	case d.Format != "text" && d.Format != "json":
		return errs.Usagef("--format", "use text or json", "unknown format %q", d.Format)
	case d.Threads < 0:
		return errs.Usagef("--threads", "use 0 for ONNX Runtime's default or a positive count", "negative thread count %d", d.Threads)
	}
	return nil
}

// Detections is what a detect run found.
type Detections struct {
	// Model names the model, Size is the input size it ran at and
	// Provider the execution provider.
	Model    string
	Size     runner.Size
	Provider string
	// Accuracy holds each image's detections with the thresholds used.
	Accuracy results.Accuracy
}

// Run checks the settings, decodes the images, loads ONNX Runtime and the
// model (a file, or a standard model generated at the size) and detects
// on each image; with DumpOutput it writes the raw output of the last.
func (d *Detect) Run(ctx context.Context, env Env, images []string) (*Detections, error) {
	if err := d.check(images); err != nil {
		return nil, err
	}
	frames, err := runner.ReadFrames(images)
	if err != nil {
		return nil, err
	}
	if err := runner.LoadRuntime(d.ORTLib, env.Getenv); err != nil {
		return nil, err
	}
	provider, err := runner.ResolveProvider(d.EP)
	if err != nil {
		return nil, err
	}
	var size runner.Size
	if d.Size != "" {
		if size, err = runner.ParseSize("--imgsz", d.Size); err != nil {
			return nil, err
		}
	}
	m, size, err := runner.DetectorModel(d.Model, size)
	if err != nil {
		return nil, err
	}
	det, err := runner.NewDetector(m, size, ort.Config{Provider: ort.Provider{Name: provider, Device: d.Device}, IntraOpThreads: d.Threads},
		yolo.DecodeOptions{ScoreThreshold: float32(d.Conf), IoUThreshold: float32(d.IoU), MaxDetections: d.MaxDet})
	if err != nil {
		return nil, err
	}
	defer det.Close()
	all, err := det.DetectAll(ctx, images, frames)
	if err != nil {
		return nil, err
	}
	if d.DumpOutput != "" {
		if err := det.SaveOutput(d.DumpOutput); err != nil {
			return nil, err
		}
	}
	return &Detections{Model: m.Name, Size: size, Provider: provider,
		Accuracy: results.Accuracy{ScoreThreshold: d.Conf, IoUThreshold: d.IoU, Images: all}}, nil
}
