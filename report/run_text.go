package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/yologate/yologate/runner/results"
)

// WriteRunText writes the terminal summary of a run: one table row per case
// with the standard protocol's metrics — FPS (median of the repeats, and the
// spread of the repeats around it), mean, p50, p99 and max latency, GPU
// utilization when known — then each case's phases (cold start, warm-up,
// repeats) and what one timed iteration includes.
func WriteRunText(w io.Writer, f *results.File) error {
	fp := f.Fingerprint
	var head []string
	if fp.Runtime.ORTVersion != "" {
		head = append(head, "ONNX Runtime "+fp.Runtime.ORTVersion)
	}
	if fp.Host.CPUModel != "" {
		head = append(head, fmt.Sprintf("%s (%d CPUs)", fp.Host.CPUModel, fp.Host.CPUCores))
	}
	for _, g := range fp.GPUs {
		head = append(head, fmt.Sprintf("gpu %d %s", g.Index, g.Name))
	}
	if fp.Yologate.Version != "" {
		v := "yologate " + fp.Yologate.Version
		if fp.Yologate.Commit != "" {
			v += " (" + fp.Yologate.Commit + ")"
		}
		head = append(head, v)
	}
	if len(head) > 0 {
		fmt.Fprintln(w, strings.Join(head, " · "))
	}
	if f.Status != results.StatusComplete {
		reason := f.StatusReason
		if reason == "" {
			reason = "run did not finish"
		}
		fmt.Fprintf(w, "INCOMPLETE: %s\n", reason)
	}
	if len(f.Cases) == 0 {
		fmt.Fprintln(w, "no cases measured")
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// tabwriter aligns every column right; padding the ids to one width
	// keeps the first column flush left.
	ids := make([]string, len(f.Cases))
	width := len("case")
	for i := range f.Cases {
		ids[i] = f.Cases[i].ID
		if f.Cases[i].Unstable {
			ids[i] += " (unstable)"
		}
		width = max(width, len(ids[i]))
	}
	fmt.Fprintf(tw, "%-*s\tfps\t±\tmean ms\tp50 ms\tp99 ms\tmax ms\tgpu util\t\n", width, "case")
	for i := range f.Cases {
		c := &f.Cases[i]
		s := runRowOf(c)
		id := fmt.Sprintf("%-*s", width, ids[i])
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", id,
			runNum(s.fps, 2), runPct(s.fpsSpread), runNum(s.meanMS, 2), runNum(s.p50MS, 2), runNum(s.p99MS, 2), runNum(s.maxMS, 2), runUtil(s.gpuUtil))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nfps and latencies: median over the repeats; ±: spread of the repeats' fps ((max-min)/median); max: over all iterations")
	var notes []string
	for i := range f.Cases {
		c := &f.Cases[i]
		fmt.Fprintf(w, "\n%s\n", c.ID)
		fmt.Fprintf(w, "  cold start: session %.0f ms%s, first inference %.1f ms\n", c.ColdStart.SessionCreateMS, c.ColdStart.EngineNote(), c.ColdStart.FirstInferenceMS)
		switch {
		case c.Warmup.Iterations == 0:
			fmt.Fprintf(w, "  warm-up: none (%s)\n", c.Warmup.Detail)
		default:
			state := "steady"
			if !c.Warmup.Stable {
				state = "NOT steady, case marked unstable"
			}
			fmt.Fprintf(w, "  warm-up: %d iterations in %.1f s, %s (%s)\n", c.Warmup.Iterations, c.Warmup.DurationMS/1000, state, c.Warmup.Detail)
		}
		fmt.Fprintf(w, "  repeats: %s\n", runRepeatsLine(c))
		threads := "ONNX Runtime default"
		if c.Threads > 0 {
			threads = fmt.Sprint(c.Threads)
		}
		fmt.Fprintf(w, "  provider %s, threads %s, profile %s\n", c.Provider.Name, threads, c.Profile)
		fmt.Fprintf(w, "  timing: %s\n", c.Includes)
		for _, m := range c.Marks {
			fmt.Fprintf(w, "  mark: %s\n", m)
		}
		for _, d := range c.Diagnosis {
			fmt.Fprintf(w, "  diagnosis: %s\n", d)
		}
		if n := runMinIterations(c); n < results.MinIterationsP99 && len(c.Repeats) > 0 {
			notes = append(notes, fmt.Sprintf("%s: p99 not measured (%d iterations per repeat, %d needed); raise --benchtime", c.ID, n, results.MinIterationsP99))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	return nil
}

// runRow is one table row.
type runRow struct {
	fps, fpsSpread, meanMS, p50MS, p99MS, maxMS, gpuUtil float64
}

func runRowOf(c *results.Case) runRow {
	nan := math.NaN()
	s := runRow{nan, nan, nan, nan, nan, nan, nan}
	if len(c.Repeats) == 0 {
		return s
	}
	var fps, mean, p50, p99, util []float64
	s.maxMS = 0
	for _, r := range c.Repeats {
		fps = append(fps, r.FPS)
		mean = append(mean, r.Latency.MeanMS)
		p50 = append(p50, r.Latency.P50MS)
		if r.Latency.P99MS != nil {
			p99 = append(p99, *r.Latency.P99MS)
		}
		s.maxMS = math.Max(s.maxMS, r.Latency.MaxMS)
		if r.Telemetry != nil && r.Telemetry.Available {
			util = append(util, r.Telemetry.GPUUtilMeanPct)
		}
	}
	s.fps, s.meanMS, s.p50MS = runMedian(fps), runMedian(mean), runMedian(p50)
	if s.fps > 0 {
		s.fpsSpread = (slices.Max(fps) - slices.Min(fps)) / s.fps
	}
	if len(p99) == len(c.Repeats) {
		s.p99MS = runMedian(p99)
	}
	if len(util) > 0 {
		s.gpuUtil = runMedian(util)
	}
	return s
}

func runRepeatsLine(c *results.Case) string {
	if len(c.Repeats) == 0 {
		return "none"
	}
	lo, hi := c.Repeats[0].Iterations, c.Repeats[0].Iterations
	var wall float64
	for _, r := range c.Repeats {
		lo, hi = min(lo, r.Iterations), max(hi, r.Iterations)
		wall += float64(r.WallNS) / 1e9
	}
	its := fmt.Sprint(lo)
	if hi != lo {
		its = fmt.Sprintf("%d-%d", lo, hi)
	}
	return fmt.Sprintf("%d × %s iterations (batch %d), %.1f s timed", len(c.Repeats), its, c.Batch, wall)
}

func runMinIterations(c *results.Case) int {
	n := math.MaxInt
	for _, r := range c.Repeats {
		n = min(n, r.Iterations)
	}
	return n
}

func runMedian(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func runNum(v float64, prec int) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

func runPct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", v*100)
}

func runUtil(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", v)
}
