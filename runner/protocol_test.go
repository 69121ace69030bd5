package runner

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// int8Model is a real Ultralytics export (static 1×3×640×640), read in place.
const int8Model = "../../shared/testdata/models/yolov8n_int8.onnx"

func loadORT(t testing.TB) {
	t.Helper()
	path, source := ort.FindLibrary("", os.Getenv)
	if path == "" {
		t.Skipf("ONNX Runtime library not found (set %s or run make setup)", ort.LibraryEnv)
	}
	if err := ort.Load(path, source); err != nil {
		t.Fatal(err)
	}
}

func needFile(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent: real test data not available", path)
	}
}

// smallSpec is the generated yolov8n at 64×64 on one CPU thread: the whole
// protocol runs on it in well under a second of inference.
// The model is generated once and shared (a Model is read-only).
func smallSpec(t testing.TB) Spec {
	t.Helper()
	small.once.Do(func() {
		var specs []Spec
		specs, small.err = Plan{Models: []string{"yolov8n"}, Sizes: []Size{{64, 64}}, Provider: "cpu", Threads: 1}.Specs()
		if small.err == nil {
			small.spec = specs[0]
		}
	})
	if small.err != nil {
		t.Fatal(small.err)
	}
	return small.spec
}

var small struct {
	once sync.Once
	spec Spec
	err  error
}

// quick is a protocol small enough for tests: a warm-up whose check always
// passes, and a few short repeats.
func quick() Options {
	o := DefaultOptions()
	o.Warmup = Amount{Iterations: 15}
	o.Tolerance = 100
	o.Benchtime = Amount{Iterations: 3}
	o.Count = 2
	return o
}

func TestRunRealModel(t *testing.T) {
	loadORT(t)
	needFile(t, int8Model)
	specs, err := Plan{Models: []string{int8Model}, Provider: "cpu", Threads: 1}.Specs()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 1 {
		t.Fatalf("%d specs, want 1", len(specs))
	}
	const id = "model=yolov8n_int8/imgsz=640/batch=1/ep=cpu/precision=int8"
	if got := specs[0].ID(); got != id {
		t.Fatalf("ID = %q, want %q", got, id)
	}
	opt := quick()
	opt.Warmup = Amount{} // the generated-model test covers warm-up
	opt.Fingerprint = Environment{Version: "test"}.Fingerprint()
	f, err := Run(context.Background(), specs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := results.Validate("run", f); err != nil {
		t.Fatalf("results do not validate: %v", err)
	}
	if f.Status != results.StatusComplete || len(f.Cases) != 1 {
		t.Fatalf("status %q, %d cases", f.Status, len(f.Cases))
	}
	c := f.Cases[0]
	if c.ID != id || c.Device != -1 || c.Threads != 1 || c.Provider.Name != "cpu" || c.Model.Params == 0 || len(c.Model.SHA256) != 64 || c.Model.Opset == 0 {
		t.Errorf("case description wrong: %+v", c)
	}
	if c.ColdStart.SessionCreateMS <= 0 || c.ColdStart.FirstInferenceMS <= 0 {
		t.Errorf("cold start not measured: %+v", c.ColdStart)
	}
	if c.Warmup.Iterations != 0 || c.Warmup.Stable || c.Unstable || !strings.Contains(c.Warmup.Detail, "not checked") {
		t.Errorf("warm-up %+v, unstable %v; want none, and said so", c.Warmup, c.Unstable)
	}
	if len(c.Repeats) != 2 {
		t.Fatalf("%d repeats, want 2", len(c.Repeats))
	}
	for _, r := range c.Repeats {
		if r.Iterations != 3 || len(r.LatenciesNS) != 3 || r.Frames != 3 || r.FPS <= 0 {
			t.Errorf("repeat %+v", r)
		}
		var sum int64
		for _, l := range r.LatenciesNS {
			sum += l
		}
		if sum > r.WallNS {
			t.Errorf("latencies sum to %d ns, more than the wall time %d ns", sum, r.WallNS)
		}
		if r.Telemetry == nil || r.Telemetry.Available {
			t.Errorf("telemetry %+v, want unavailable on the CPU", r.Telemetry)
		}
		if r.Latency.P90MS != nil {
			t.Error("p90 reported from 3 iterations")
		}
	}
	if c.Profile == "" || !strings.Contains(c.Profile, "threads=1") {
		t.Errorf("profile %q", c.Profile)
	}
	if f.Fingerprint.Runtime.ORTVersion == "" || f.Fingerprint.Host.CPUCores == 0 {
		t.Errorf("fingerprint %+v", f.Fingerprint)
	}
}

// TestTimedLoopAllocatesNothing checks the promise of the protocol: the
// loop around Run allocates nothing per iteration.
func TestTimedLoopAllocatesNothing(t *testing.T) {
	loadORT(t)
	p, err := Prepare(context.Background(), smallSpec(t), quick())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	lat := make([]int64, 0, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	allocs := testing.AllocsPerRun(3, func() {
		if _, _, err := p.loop(ctx, lat[:0], Amount{Iterations: 4}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("timed loop allocates %v times per call, want 0", allocs)
	}
}

// TestGeneratedModelFullProtocol runs a generated model through the whole
// protocol with the real steady-state check and duration-bound repeats.
func TestGeneratedModelFullProtocol(t *testing.T) {
	loadORT(t)
	spec := smallSpec(t)
	if spec.ID() != "model=yolov8n/imgsz=64/batch=1/ep=cpu/precision=fp32" || !spec.Model.Generated {
		t.Fatalf("spec %s", spec.ID())
	}
	opt := DefaultOptions()
	opt.Warmup = Amount{Iterations: 10}
	opt.Benchtime = Amount{Duration: 50 * time.Millisecond, Iterations: 1000}
	opt.Count = 3
	f, err := Run(context.Background(), []Spec{spec}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := results.Validate("run", f); err != nil {
		t.Fatal(err)
	}
	c := f.Cases[0]
	if c.Model.Params != 3151904 || c.Model.Opset == 0 {
		t.Errorf("model %+v, want yolov8n's 3,151,904 parameters", c.Model)
	}
	// The check needs three windows of at least 5 iterations.
	if c.Warmup.Iterations < 15 || c.Warmup.Detail == "" || c.Unstable == c.Warmup.Stable {
		t.Errorf("warm-up %+v, unstable %v", c.Warmup, c.Unstable)
	}
	if len(c.Repeats) != 3 {
		t.Fatalf("%d repeats", len(c.Repeats))
	}
	for _, r := range c.Repeats {
		// A duration-bound repeat stops at the first iteration boundary after 50 ms.
		last := r.LatenciesNS[len(r.LatenciesNS)-1]
		if r.WallNS < int64(50*time.Millisecond) || r.WallNS > int64(50*time.Millisecond)+2*last+int64(20*time.Millisecond) {
			t.Errorf("repeat wall %v for a 50ms benchtime (last iteration %v)", time.Duration(r.WallNS), time.Duration(last))
		}
		if r.Iterations > 1000 {
			t.Errorf("%d iterations beyond the 1000x cap", r.Iterations)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	loadORT(t)
	spec := smallSpec(t)
	p, err := Prepare(context.Background(), spec, quick())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.RunRepeat(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunRepeat(cancelled) = %v", err)
	}
	if n := len(p.Case().Repeats); n != 0 {
		t.Errorf("cancelled repeat kept: %d repeats", n)
	}
	f, err := Run(ctx, []Spec{spec}, quick())
	if !errors.Is(err, context.Canceled) || f == nil || f.Status != results.StatusIncomplete || !strings.HasPrefix(f.StatusReason, "interrupted") {
		t.Fatalf("Run(cancelled) = %+v, %v; want incomplete results and context.Canceled", f, err)
	}
}

func TestResolveProviderAuto(t *testing.T) {
	loadORT(t)
	got, err := ResolveProvider("auto")
	if err != nil {
		t.Fatal(err)
	}
	if want := ort.Providers()[0]; got != want {
		t.Errorf("auto = %q, want the best available %q", got, want)
	}
}

func TestPlanErrors(t *testing.T) {
	loadORT(t)
	needFile(t, int8Model)
	dir := t.TempDir()
	notONNX := dir + "/notes.onnx"
	os.WriteFile(notONNX, []byte("hello, not a model"), 0o644)
	for _, tc := range []struct {
		name string
		plan Plan
		kind errs.Kind
		want string
	}{
		{"missing file", Plan{Models: []string{dir + "/missing.onnx"}}, errs.Input, "no such file"},
		{"not onnx", Plan{Models: []string{notONNX}}, errs.Input, notONNX},
		{"static size", Plan{Models: []string{int8Model}, Sizes: []Size{{320, 320}}}, errs.Input, "--imgsz 640"},
		{"static batch", Plan{Models: []string{int8Model}, Batches: []int{2}}, errs.Input, "--batch 1"},
		{"unknown name", Plan{Models: []string{"yolov99z"}}, errs.Usage, "neither a file nor a standard model"},
		{"unknown provider", Plan{Models: []string{int8Model}, Provider: "tpu"}, errs.Usage, "--ep"},
		{"cuda absent", Plan{Models: []string{int8Model}, Provider: "cuda"}, errs.Env, "cuda"},
		{"precision", Plan{Models: []string{int8Model}, Provider: "cpu", Precision: "fp16"}, errs.Usage, "--precision"},
		{"bad precision", Plan{Models: []string{int8Model}, Precision: "fp8"}, errs.Usage, "--precision"},
		{"twice", Plan{Models: []string{int8Model, "../../shared/testdata/models/../models/yolov8n_int8.onnx"}, Provider: "cpu"}, errs.Usage, "twice"},
		{"no model", Plan{}, errs.Usage, "--model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.plan.Specs()
			if err == nil || errs.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Specs() = %v; want a %v error containing %q", err, tc.kind, tc.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}
