//go:build ignore

// harness measures yologate's harness overhead: it alternates bursts of
// timed inferences between yologate's own timed loop (runner.Prepare and
// Prepared.RunRepeat, what `yologate run` runs) in this process and cbench,
// the minimal C program on the ONNX Runtime C API, in a child process. Both
// load the same library and model bytes with the same session options and
// keep their sessions warm between bursts; the one not running waits on a
// pipe. It prints, per image size, the medians of the per-burst median
// latencies and the median of the paired Go/C ratios.
//
// Usage (see .ci/bench-harness): go run runner/ort/cbench/harness.go -cbench bin/cbench
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/yolo"
)

func main() {
	cbench := flag.String("cbench", "bin/cbench", "the cbench binary")
	model := flag.String("model", "yolov8n", "standard model")
	sizes := flag.String("sizes", "160,640", "image sizes")
	rounds := flag.Int("rounds", 15, "bursts per side")
	burstMS := flag.Float64("burst-ms", 1500, "target length of one burst in milliseconds")
	threads := flag.Int("threads", 1, "intra-op threads on both sides")
	warmup := flag.Int("warmup", 10, "warm-up inferences on both sides")
	flag.Parse()
	if err := run(*cbench, *model, *sizes, *rounds, *burstMS, *threads, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func run(cbench, model, sizes string, rounds int, burstMS float64, threads, warmup int) error {
	lib, source := ort.FindLibrary("", os.Getenv)
	if err := ort.Load(lib, source); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "harness")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("ONNX Runtime %s (%s), %s, CPU provider, %d intra-op thread(s), %d rounds of alternating bursts of ~%.0f ms\n\n",
		ort.Version(), lib, model, threads, rounds, burstMS)
	fmt.Printf("%-6s %6s %12s %12s %8s %22s\n", "imgsz", "iters", "C p50 ms", "Go p50 ms", "Go/C", "paired Go/C [q1, q3]")
	for _, s := range strings.Split(sizes, ",") {
		size, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		data, err := yolo.Generate(model, yolo.GenerateOptions{Height: size, Width: size, Batch: 1})
		if err != nil {
			return err
		}
		path := filepath.Join(dir, fmt.Sprintf("%s_%d.onnx", model, size))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		if err := compare(cbench, lib, path, size, rounds, burstMS, threads, warmup); err != nil {
			return err
		}
	}
	return nil
}

func compare(cbench, lib, path string, size, rounds int, burstMS float64, threads, warmup int) error {
	ctx := context.Background()
	m, err := runner.LoadModelFile(path)
	if err != nil {
		return err
	}
	spec := runner.Spec{Model: m, Size: runner.Size{Height: size, Width: size}, Batch: 1, Provider: ort.CPU, Precision: m.Precision, Threads: threads}
	opt := runner.DefaultOptions()
	opt.Warmup = runner.Amount{Iterations: warmup}
	opt.Tolerance = 1e9 // the warm-up length is fixed; its check is not under test here
	opt.Count = rounds
	// Size the bursts from a short calibration on the Go side.
	opt.Benchtime = runner.Amount{Iterations: 5}
	p, err := runner.Prepare(ctx, spec, opt)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.WarmUp(ctx); err != nil {
		return err
	}
	cal, err := p.RunRepeat(ctx)
	if err != nil {
		return err
	}
	iters := max(5, int(burstMS/cal.Latency.P50MS))
	p.Close()

	c := exec.Command(cbench, lib, path, strconv.Itoa(warmup), strconv.Itoa(threads))
	c.Stderr = os.Stderr
	stdin, err := c.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	cBurst := func() (float64, error) {
		if _, err := fmt.Fprintf(stdin, "%d\n", iters); err != nil {
			return 0, err
		}
		if !lines.Scan() {
			return 0, fmt.Errorf("cbench stopped: %v", lines.Err())
		}
		for _, f := range strings.Fields(lines.Text()) {
			if v, ok := strings.CutPrefix(f, "p50_ms="); ok {
				return strconv.ParseFloat(v, 64)
			}
		}
		return 0, fmt.Errorf("cbench printed %q", lines.Text())
	}
	// The Go side's bursts are full repeats of the protocol with the same
	// iteration count.
	goOpt := opt
	goOpt.Benchtime = runner.Amount{Iterations: iters}
	goP, err := runner.Prepare(ctx, spec, goOpt)
	if err != nil {
		return err
	}
	defer goP.Close()
	if err := goP.WarmUp(ctx); err != nil {
		return err
	}
	goBurst := func() (float64, error) {
		r, err := goP.RunRepeat(ctx)
		return r.Latency.P50MS, err
	}
	var cs, gs, ratios []float64
	for r := 0; r < rounds; r++ {
		first, second := cBurst, goBurst
		if r%2 == 1 {
			first, second = goBurst, cBurst
		}
		a, err := first()
		if err != nil {
			return err
		}
		b, err := second()
		if err != nil {
			return err
		}
		cv, gv := a, b
		if r%2 == 1 {
			cv, gv = b, a
		}
		cs, gs, ratios = append(cs, cv), append(gs, gv), append(ratios, gv/cv)
	}
	io.WriteString(stdin, "0\n")
	cMed, gMed := quantile(cs, 0.5), quantile(gs, 0.5)
	fmt.Printf("%-6d %6d %12.3f %12.3f %8.3f %8.3f [%.3f, %.3f]\n", size, iters, cMed, gMed, gMed/cMed,
		quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75))
	return nil
}

// quantile is the linear-interpolated q-quantile of v.
func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}
