package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// workloadFlags are the flags of end-to-end and multi-stream runs, shared
// by run, capacity and sweep.
type workloadFlags struct {
	mode     string
	inputs   listFlag
	streams  int
	sessions string
	conf     float64
	iou      float64
}

func (wf *workloadFlags) register(fs *flag.FlagSet, withStreams bool) {
	fs.StringVar(&wf.mode, "mode", results.ModeInfer, "what one iteration times: infer (inference on a random tensor) or e2e (letterbox + inference + decode/NMS on --input images)")
	fs.Var(&wf.inputs, "input", "images for --mode e2e: a `DIR` of JPEG/PNG files or image files; repeatable")
	if withStreams {
		fs.IntVar(&wf.streams, "streams", 1, "concurrent streams, each with its own tensors")
	}
	fs.StringVar(&wf.sessions, "sessions", runner.SessionShared, "with several streams: shared (one session) or per-stream (one session each)")
	fs.Float64Var(&wf.conf, "conf", yolo.DefaultScoreThreshold, "e2e score threshold, 0 < conf < 1")
	fs.Float64Var(&wf.iou, "iou", yolo.DefaultIoUThreshold, "e2e NMS IoU threshold, 0 < iou ≤ 1")
}

// workload checks the flags and decodes the input images (once, before any
// timing); unusable files in a folder are skipped with a warning on stderr.
func (wf *workloadFlags) workload(c *Command) (runner.Workload, error) {
	w := runner.Workload{Streams: wf.streams, Sessions: wf.sessions}
	if wf.streams < 1 || wf.streams > runner.MaxStreams {
		return w, errs.Usagef("--streams", fmt.Sprintf("use 1 to %d concurrent streams", runner.MaxStreams), "bad stream count %d", wf.streams)
	}
	if err := w.Check(); err != nil {
		return w, err
	}
	switch {
	case !(wf.conf > 0 && wf.conf < 1):
		return w, errs.Usagef("--conf", "use a score between 0 and 1, such as 0.25", "bad score threshold %v", wf.conf)
	case !(wf.iou > 0 && wf.iou <= 1):
		return w, errs.Usagef("--iou", "use an IoU between 0 and 1, such as 0.45", "bad IoU threshold %v", wf.iou)
	}
	inputs := runner.SplitList(wf.inputs)
	switch wf.mode {
	case results.ModeInfer:
		if len(inputs) > 0 {
			return w, errs.Usagef("--input", "add --mode e2e to time the whole pipeline on these images", "--input is only read in e2e mode")
		}
		return w, nil
	case results.ModeE2E:
	default:
		return w, errs.Usagef("--mode", "use infer or e2e", "unknown mode %q", wf.mode)
	}
	if len(inputs) == 0 {
		return w, errs.Usagef("--input", "pass a folder of JPEG or PNG images, or image files", "--mode e2e needs --input")
	}
	frames, err := runner.LoadFrames(inputs, func(path string, err error) {
		fmt.Fprintf(c.Stderr, "yologate: warning: skipping %s\n", err)
	})
	if err != nil {
		return w, err
	}
	w.Frames = frames
	w.Decode = yolo.DecodeOptions{ScoreThreshold: float32(wf.conf), IoUThreshold: float32(wf.iou)}
	return w, nil
}

// lighterDefaults shortens the protocol for commands that measure many
// cases (capacity, sweep) unless --count or --benchtime were given: three
// repeats of up to 2 s or 1000 iterations each.
func (c *Command) lighterDefaults(opt *runner.Options) {
	if !c.given("count") {
		opt.Count = 3
	}
	if !c.given("benchtime") {
		opt.Benchtime = runner.Amount{Iterations: 1000, Duration: 2 * time.Second}
	}
}
