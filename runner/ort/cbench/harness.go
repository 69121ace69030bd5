//go:build ignore

// harness measures yologate's harness overhead: it alternates bursts of
// timed inferences between yologate's own timed loop (runner.Prepare and
// Prepared.RunRepeat, what `yologate run` runs) and cbench, the minimal C
// program on the ONNX Runtime C API. Each side runs in its own child
// process with its session kept warm; the driver sends a burst to one, waits
// for its answer, then to the other (C first in even rounds, Go first in
// odd ones), so both see the same machine conditions. Both load the same
// library and model bytes with the same session options. It prints, per
// image size, the medians of the per-burst median latencies, the median
// (with quartiles) of the paired Go/C ratios, and the smallest latency each
// side saw (the cost without interference from other work on the machine).
//
// Usage (see .ci/bench-harness): go run runner/ort/cbench/harness.go -cbench bin/cbench
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/onnxmodel"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/yolo"
)

func main() {
	cbench := flag.String("cbench", "bin/cbench", "the cbench binary")
	model := flag.String("model", "yolov8n", "standard model")
	sizes := flag.String("sizes", "identity,160,640", "image sizes, and \"identity\" for a one-node model that leaves only the cost of a Run call")
	rounds := flag.Int("rounds", 15, "bursts per side")
	burstMS := flag.Float64("burst-ms", 1500, "target length of one burst in milliseconds")
	threads := flag.Int("threads", 1, "intra-op threads on both sides")
	warmup := flag.Int("warmup", 10, "warm-up inferences on both sides")
	ep := flag.String("ep", "cpu", "provider on both sides: cpu or cuda (device-resident input and output, as yologate runs it)")
	copies := flag.Bool("include-copies", false, "with -ep cuda: bind host buffers on both sides, so each Run includes the copies")
	serve := flag.String("serve", "", "internal: run the Go side on this model file")
	iters := flag.Int("iters", 0, "internal: iterations per Go burst")
	flag.Parse()
	var err error
	if *serve != "" {
		err = serveGo(*serve, *iters, *threads, *warmup, *ep, *copies)
	} else {
		err = drive(*cbench, *model, *sizes, *rounds, *burstMS, *threads, *warmup, *ep, *copies)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

// serveGo is the Go side: yologate's protocol on one case; every line on
// stdin runs one repeat of iters iterations and answers "p50_ms=...".
func serveGo(path string, iters, threads, warmup int, ep string, copies bool) error {
	ctx := context.Background()
	if err := runner.LoadRuntime("", os.Getenv); err != nil {
		return err
	}
	m, err := runner.LoadModelFile(path)
	if err != nil {
		return err
	}
	opts, err := ort.ProviderOptions(ep, nil, ort.GPUSettings{})
	if err != nil {
		return err
	}
	spec := runner.Spec{Model: m, Size: m.DefaultSize(), Batch: 1, Provider: ep, ProviderOptions: opts, IncludeCopies: copies, Precision: m.Precision, Threads: threads}
	opt := runner.DefaultOptions()
	opt.Warmup = runner.Amount{Iterations: warmup}
	opt.Tolerance = 1e9 // a fixed warm-up, as cbench does; its check is not under test
	opt.Benchtime = runner.Amount{Iterations: iters}
	p, err := runner.Prepare(ctx, spec, opt)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.WarmUp(ctx); err != nil {
		return err
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() && in.Text() != "0" {
		r, err := p.RunRepeat(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("iterations=%d p50_ms=%.6f mean_ms=%.6f min_ms=%.6f\n", r.Iterations, r.Latency.P50MS, r.Latency.MeanMS, r.Latency.MinMS)
	}
	return nil
}

// child is one side in serve mode.
type child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *bufio.Scanner
}

func start(name string, args ...string) (*child, error) {
	c := &child{cmd: exec.Command(name, args...)}
	c.cmd.Stderr = os.Stderr
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.lines = bufio.NewScanner(out)
	return c, c.cmd.Start()
}

// burst runs n iterations and returns their median and minimum latency in ms.
func (c *child) burst(n int) (p50, low float64, err error) {
	if _, err := fmt.Fprintf(c.in, "%d\n", n); err != nil {
		return 0, 0, err
	}
	if !c.lines.Scan() {
		return 0, 0, fmt.Errorf("%s stopped: %v", c.cmd.Path, c.lines.Err())
	}
	p50, low = -1, -1
	for _, f := range strings.Fields(c.lines.Text()) {
		if v, ok := strings.CutPrefix(f, "p50_ms="); ok {
			p50, err = strconv.ParseFloat(v, 64)
		} else if v, ok := strings.CutPrefix(f, "min_ms="); ok {
			low, err = strconv.ParseFloat(v, 64)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if p50 < 0 || low < 0 {
		return 0, 0, fmt.Errorf("%s printed %q", c.cmd.Path, c.lines.Text())
	}
	return p50, low, nil
}

func (c *child) stop() {
	io.WriteString(c.in, "0\n")
	c.in.Close()
	c.cmd.Wait()
}

func drive(cbench, model, sizes string, rounds int, burstMS float64, threads, warmup int, ep string, copies bool) error {
	if ep != ort.CPU && ep != ort.CUDA {
		return fmt.Errorf("-ep %s: use cpu or cuda", ep)
	}
	// cbench gets the provider options yologate sets for the case.
	opts, err := ort.ProviderOptions(ep, nil, ort.GPUSettings{})
	if err != nil {
		return err
	}
	var kv []string
	for k, v := range opts {
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	cside := []string{"cpu"}
	scope := "CPU provider"
	if ep == ort.CUDA {
		cside = []string{"cuda", strings.Join(kv, ",")}
		scope = "CUDA provider, input and output in GPU memory (compute only)"
		if copies {
			cside[0] = "cuda-copies"
			scope = "CUDA provider, host buffers (copies timed)"
		}
	}
	lib, source := ort.FindLibrary("", os.Getenv)
	if err := ort.Load(lib, source); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "harness")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("ONNX Runtime %s (%s), %s, %s, %d intra-op thread(s), %d rounds of alternating bursts of ~%.0f ms\n\n",
		ort.Version(), lib, model, scope, threads, rounds, burstMS)
	fmt.Printf("| imgsz | iterations per burst | C median ms | Go median ms | Go/C of medians | paired Go/C: median [q1, q3] | C min ms | Go min ms | Go/C of minima |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range strings.Split(sizes, ",") {
		var data []byte
		if s == "identity" {
			// One Identity node on a 1×3×32×32 image: what is left is the
			// cost of a Run call and of each harness around it.
			data = identityModel()
		} else {
			size, err := strconv.Atoi(s)
			if err != nil {
				return err
			}
			if data, err = yolo.Generate(model, yolo.GenerateOptions{Height: size, Width: size, Batch: 1}); err != nil {
				return err
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("%s_%s.onnx", model, s))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		c, err := start(cbench, append([]string{lib, path, strconv.Itoa(warmup), strconv.Itoa(threads)}, cside...)...)
		if err != nil {
			return err
		}
		// Size the bursts from a short one on the C side.
		cal, _, err := c.burst(5)
		if err != nil {
			return err
		}
		n := min(max(5, int(burstMS/cal)), 100000)
		g, err := start(self, "-serve", path, "-iters", strconv.Itoa(n), "-threads", strconv.Itoa(threads), "-warmup", strconv.Itoa(warmup),
			"-ep", ep, "-include-copies="+strconv.FormatBool(copies))
		if err != nil {
			return err
		}
		var cs, gs, ratios []float64
		cMin, gMin := math.Inf(1), math.Inf(1)
		for r := 0; r < rounds; r++ {
			var cv, gv, cl, gl float64
			if r%2 == 0 {
				if cv, cl, err = c.burst(n); err == nil {
					gv, gl, err = g.burst(n)
				}
			} else {
				if gv, gl, err = g.burst(n); err == nil {
					cv, cl, err = c.burst(n)
				}
			}
			if err != nil {
				return err
			}
			cs, gs, ratios = append(cs, cv), append(gs, gv), append(ratios, gv/cv)
			cMin, gMin = math.Min(cMin, cl), math.Min(gMin, gl)
		}
		c.stop()
		g.stop()
		cMed, gMed := quantile(cs, 0.5), quantile(gs, 0.5)
		fmt.Printf("| %s | %d | %.4g | %.4g | %.3f | %.3f [%.3f, %.3f] | %.4g | %.4g | %.3f |\n", s, n, cMed, gMed, gMed/cMed,
			quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75), cMin, gMin, gMin/cMin)
	}
	return nil
}

// identityModel is an ONNX model that copies a float32 1×3×32×32 image.
func identityModel() []byte {
	shape := []onnxmodel.Dim{{Value: 1}, {Value: 3}, {Value: 32}, {Value: 32}}
	return onnxmodel.Encode(&onnxmodel.Model{
		IRVersion:   8,
		OpsetImport: []onnxmodel.OpsetID{{Version: 17}},
		Graph: &onnxmodel.Graph{
			Name:   "identity",
			Node:   []*onnxmodel.Node{{OpType: "Identity", Input: []string{"images"}, Output: []string{"output0"}}},
			Input:  []*onnxmodel.ValueInfo{{Name: "images", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: shape, HasShape: true}}},
			Output: []*onnxmodel.ValueInfo{{Name: "output0", Type: &onnxmodel.TensorType{ElemType: onnxmodel.Float, Shape: shape, HasShape: true}}},
		},
	})
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
