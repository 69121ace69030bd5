package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/stat"
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

// writeWorkloadText prints, after the run table, what end-to-end and
// multi-stream cases add: per-stage latencies (Ultralytics' "preprocess /
// inference / postprocess") and each stream's FPS and p99.
func writeWorkloadText(w io.Writer, f *results.File) {
	for _, c := range f.Cases {
		if len(c.Stages) > 0 {
			fmt.Fprintf(w, "\n%s\n  stages per iteration (batch %d), median / p99 ms:", c.ID, c.Batch)
			for _, s := range c.Stages {
				p99 := "  -  "
				if s.P99MS > 0 {
					p99 = fmt.Sprintf("%.2f", s.P99MS)
				}
				fmt.Fprintf(w, "  %s %.2f / %s", s.Name, s.P50MS, p99)
			}
			fmt.Fprintln(w)
			if fps := medianFPS(c); fps > 0 {
				fmt.Fprintf(w, "  end-to-end %.2f fps (median of %d repeats)\n", fps, len(c.Repeats))
			}
		}
		if c.Streams > 1 && len(c.Repeats) > 0 {
			if len(c.Stages) == 0 {
				fmt.Fprintf(w, "\n%s\n", c.ID)
			}
			fmt.Fprintf(w, "  %d streams: aggregate %.2f fps; per stream (median over repeats):", c.Streams, medianFPS(c))
			for _, s := range streamSummaries(c) {
				fmt.Fprintf(w, " #%d %.2f fps p99 %s;", s.stream, s.fps, fmtP99(s.p99ms))
			}
			fmt.Fprintln(w)
		}
	}
}

func fmtP99(v float64) string {
	if v <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", v)
}

// medianFPS is the median of a case's per-repeat aggregate FPS.
func medianFPS(c results.Case) float64 {
	v := make([]float64, 0, len(c.Repeats))
	for _, r := range c.Repeats {
		v = append(v, r.FPS)
	}
	return stat.Median(v)
}

// streamSummary is one stream's FPS (median over repeats) and its p99
// latency over all its iterations of all repeats (0 below the p99 floor).
type streamSummary struct {
	stream int
	fps    float64
	p99ms  float64
	// iterations counts the stream's iterations over all repeats.
	iterations int
}

// streamSummaries summarizes each stream of a case over its repeats; a
// single-stream case is its own single stream.
func streamSummaries(c results.Case) []streamSummary {
	n := max(c.Streams, 1)
	out := make([]streamSummary, n)
	fps := make([][]float64, n)
	lat := make([][]float64, n)
	for _, r := range c.Repeats {
		if len(r.Streams) == 0 {
			fps[0] = append(fps[0], r.FPS)
			for _, l := range r.LatenciesNS {
				lat[0] = append(lat[0], float64(l)/1e6)
			}
			continue
		}
		for _, s := range r.Streams {
			if s.Stream < n {
				fps[s.Stream] = append(fps[s.Stream], s.FPS)
			}
		}
		// LatenciesNS holds the streams' iterations one stream after another.
		off := 0
		for _, s := range r.Streams {
			if s.Stream < n && off+s.Iterations <= len(r.LatenciesNS) {
				for _, l := range r.LatenciesNS[off : off+s.Iterations] {
					lat[s.Stream] = append(lat[s.Stream], float64(l)/1e6)
				}
			}
			off += s.Iterations
		}
	}
	for k := range out {
		out[k] = streamSummary{stream: k, fps: stat.Median(fps[k]), iterations: len(lat[k])}
		if len(lat[k]) >= results.MinIterationsP99 {
			slices.Sort(lat[k])
			out[k].p99ms = lat[k][(len(lat[k])*99+99)/100-1]
		}
	}
	return out
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
