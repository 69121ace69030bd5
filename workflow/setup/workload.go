package setup

import (
	"flag"
	"fmt"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// Workload are the settings of end-to-end and multi-stream runs, shared by
// run, gate, capacity and sweep.
type Workload struct {
	Mode     string
	Inputs   List
	Streams  int
	Sessions string
	Conf     float64
	IoU      float64
}

// Register defines the workload flags on fs; --streams only withStreams
// (capacity and sweep choose the stream count themselves).
func (wf *Workload) Register(fs *flag.FlagSet, withStreams bool) {
	fs.StringVar(&wf.Mode, "mode", results.ModeInfer, "what one iteration times: infer (inference on a random tensor) or e2e (letterbox + inference + decode/NMS on --input images)")
	fs.Var(&wf.Inputs, "input", "images for --mode e2e: a `DIR` of JPEG/PNG files or image files; repeatable")
	wf.Streams = 1
	if withStreams {
		fs.IntVar(&wf.Streams, "streams", 1, "concurrent streams, each with its own tensors")
	}
	fs.StringVar(&wf.Sessions, "sessions", runner.SessionShared, "with several streams: shared (one session) or per-stream (one session each)")
	fs.Float64Var(&wf.Conf, "conf", yolo.DefaultScoreThreshold, "e2e score threshold, 0 < conf < 1")
	fs.Float64Var(&wf.IoU, "iou", yolo.DefaultIoUThreshold, "e2e NMS IoU threshold, 0 < iou ≤ 1")
}

// Build checks the settings and decodes the input images (once, before
// any timing); unusable files in a folder are skipped with a warning.
func (wf *Workload) Build(env Env) (runner.Workload, error) {
	w := runner.Workload{Streams: wf.Streams, Sessions: wf.Sessions}
	if wf.Streams < 1 || wf.Streams > runner.MaxStreams {
		return w, errs.Usagef("--streams", fmt.Sprintf("use 1 to %d concurrent streams", runner.MaxStreams), "bad stream count %d", wf.Streams)
	}
	if err := w.Check(); err != nil {
		return w, err
	}
	switch {
	case !(wf.Conf > 0 && wf.Conf < 1):
		return w, errs.Usagef("--conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", wf.Conf)
	case !(wf.IoU > 0 && wf.IoU <= 1):
		return w, errs.Usagef("--iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", wf.IoU)
	}
	inputs := runner.SplitList(wf.Inputs)
	switch wf.Mode {
	case results.ModeInfer:
		if len(inputs) > 0 {
			return w, errs.Usagef("--input", "add --mode e2e to time the whole pipeline on these images", "--input is only read in e2e mode")
		}
		return w, nil
	case results.ModeE2E:
	default:
		return w, errs.Usagef("--mode", "use infer or e2e", "unknown mode %q", wf.Mode)
	}
	if len(inputs) == 0 {
		return w, errs.Usagef("--input", "pass a folder of JPEG or PNG images, or image files", "--mode e2e needs --input")
	}
	frames, err := runner.LoadFrames(inputs, func(path string, err error) { env.Warn("skipping " + err.Error()) })
	if err != nil {
		return w, err
	}
	w.Frames = frames
	w.Decode = yolo.DecodeOptions{ScoreThreshold: float32(wf.Conf), IoUThreshold: float32(wf.IoU)}
	return w, nil
}
