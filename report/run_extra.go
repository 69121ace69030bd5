package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
)

// WriteWorkloadText prints, after the run table, what end-to-end and
// multi-stream cases add: per-stage latencies (Ultralytics' "preprocess /
// inference / postprocess") and each stream's FPS and p99.
func WriteWorkloadText(w io.Writer, f *results.File) {
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

// WriteAccuracyText prints, after the run table, what the accuracy check
// found per case; nothing when no case was checked.
func WriteAccuracyText(w io.Writer, f *results.File) {
	header := false
	for _, c := range f.Cases {
		a := c.Accuracy
		if a == nil {
			continue
		}
		if !header {
			fmt.Fprintf(w, "\naccuracy check (score > %g, NMS IoU %g):\n", a.ScoreThreshold, a.IoUThreshold)
			header = true
		}
		n := 0
		for _, im := range a.Images {
			n += len(im.Detections)
		}
		line := fmt.Sprintf("  %s: %d detections on %d images", c.ID, n, len(a.Images))
		if s := a.Summary; s != nil {
			line += fmt.Sprintf("; on %d labelled: mAP50-95 %.3f, mAP50 %.3f, precision %.2f, recall %.2f",
				s.LabelledImages, s.MAP5095, s.MAP50, s.Precision, s.Recall)
		}
		fmt.Fprintln(w, line)
	}
}

// WriteCapacityText prints the measured curve and the answer.
func WriteCapacityText(w io.Writer, curve []runner.CapacityPoint, t runner.CapacityTarget, recs []results.Recommendation) {
	fmt.Fprintf(w, "\ncapacity curve (target %.4g fps per stream", t.FPS)
	if t.MaxP99MS > 0 {
		fmt.Fprintf(w, ", p99 ≤ %.4g ms", t.MaxP99MS)
	}
	fmt.Fprintln(w, "):")
	fmt.Fprintf(w, "  %7s  %14s  %13s  %14s  %s\n", "streams", "slowest fps", "aggregate fps", "worst p99 ms", "verdict")
	for _, p := range curve {
		p99 := fmt.Sprintf("%.1f", p.WorstP99MS)
		if p.TailLabel != "p99" {
			p99 = fmt.Sprintf("%s %.1f*", p.TailLabel, p.WorstP99MS)
		}
		verdict := "holds"
		if !p.Meets {
			verdict = "misses (" + p.Why + ")"
		}
		fmt.Fprintf(w, "  %7d  %14.2f  %13.2f  %14s  %s\n", p.Streams, p.MinStreamFPS, p.AggregateFPS, p99, verdict)
	}
	for _, p := range curve {
		if p.TailLabel != "p99" {
			fmt.Fprintf(w, "  * too few iterations per stream for a p99 (%d needed): the highest percentile they support stands in\n", results.MinIterationsP99)
			break
		}
	}
	for _, r := range recs {
		fmt.Fprintf(w, "\n%s\n", r.Text)
	}
}

// WriteSweepText prints the grid and the recommendation.
func WriteSweepText(w io.Writer, points []runner.SweepPoint, budgetMS float64, recs []results.Recommendation) {
	fmt.Fprintln(w, "\nsweep (fps: median over repeats; latency per iteration, i.e. per batch):")
	fmt.Fprintf(w, "  %7s  %5s  %9s  %9s  %12s  %s\n", "imgsz", "batch", "fps", "p50 ms", "p99 ms", "fits budget")
	note := false
	for _, p := range points {
		lat := fmt.Sprintf("%.1f", p.LatencyMS)
		if p.LatencyLabel != "p99" {
			lat, note = fmt.Sprintf("%s %.1f*", p.LatencyLabel, p.LatencyMS), true
		}
		fits := "yes"
		switch {
		case budgetMS <= 0:
			fits = "-"
		case !p.FitsBudget:
			fits = "no"
		}
		fmt.Fprintf(w, "  %7v  %5d  %9.2f  %9.2f  %12s  %s\n", p.Size, p.Batch, p.FPS, p.P50MS, lat, fits)
	}
	if note {
		fmt.Fprintf(w, "  * too few iterations for a p99 (%d needed): the highest percentile they support stands in (p95 from %d, p90 from %d, else p50)\n", results.MinIterationsP99, results.MinIterationsP95, results.MinIterationsP90)
	}
	fmt.Fprintln(w)
	for _, r := range recs {
		fmt.Fprintln(w, r.Text)
	}
}
