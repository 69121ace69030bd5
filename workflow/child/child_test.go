package child

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow/ab"
	"github.com/yologate/yologate/workflow/workflowtest"
)

// childEnv makes the test binary act as the child: it serves a fake
// runner on its stdin and stdout instead of running the tests.
const childEnv = "YOLOGATE_CHILD_TEST"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(serveFake())
	}
	os.Exit(m.Run())
}

// serveFake is the child: the fake runner at 100 FPS for every case, and
// models named to fail in the ways a real child can.
func serveFake() int {
	fake := &workflowtest.Runner{FPS: func(id string, streams, call int) float64 { return 100 }}
	sv := &Server{Runner: fake, Hello: Hello{Runtime: results.Runtime{ORTVersion: "9.9.9-test"}},
		Model: func(ref ModelRef, size runner.Size, batch int) (*runner.Model, error) {
			switch ref.Name {
			case "bad":
				return nil, errs.Usagef("--model", "name an ONNX file", "%q is neither a file nor a standard model", ref.Name)
			case "crash":
				os.Exit(7)
			case "hang":
				time.Sleep(time.Hour)
			}
			return &runner.Model{Name: ref.Name}, nil
		}}
	if err := sv.Serve(context.Background(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func start(t *testing.T, ctx context.Context) *Runner {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	r, err := Start(ctx, cmd, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	r := start(t, ctx)
	if got := r.Hello().Runtime.ORTVersion; got != "9.9.9-test" {
		t.Errorf("hello: ORT %q, want 9.9.9-test", got)
	}
	spec := workflowtest.Spec("yolov8n", 320)
	s, err := r.Prepare(ctx, spec, runner.Options{Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WarmUp(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rep, err := s.RunRepeat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.FPS < 100 || rep.FPS > 101 || len(rep.LatenciesNS) != 100 {
			t.Errorf("repeat %d: FPS %.2f with %d latencies, want about 100 with 100", i, rep.FPS, len(rep.LatenciesNS))
		}
	}
	c := s.Case()
	if c.ID != spec.ID() || len(c.Repeats) != 3 {
		t.Errorf("case %q with %d repeats, want %q with 3", c.ID, len(c.Repeats), spec.ID())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("child exit: %v", err)
	}
}

// TestInterleaved runs an A/B with side A in the child: the protocol is
// ab's, and the same speed on both sides is unchanged.
func TestInterleaved(t *testing.T) {
	ctx := context.Background()
	r := start(t, ctx)
	defer r.Close()
	local := &workflowtest.Runner{FPS: func(id string, streams, call int) float64 { return 100 }}
	specs := []runner.Spec{workflowtest.Spec("yolov8n", 320), workflowtest.Spec("yolov8s", 320)}
	in := ab.Input{Runner: local, RunnerA: r, A: specs, B: specs, Options: runner.Options{Count: 10}, Fresh: true}
	res, err := ab.Run(ctx, in, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range res.A.Cases {
		if len(c.Repeats) != 10 || len(res.B.Cases[i].Repeats) != 10 {
			t.Errorf("case %d: %d and %d repeats, want 10 on each side", i, len(c.Repeats), len(res.B.Cases[i].Repeats))
		}
	}
	// Side B ran here: ten fresh sessions per case, each warmed up and
	// repeated once; side A ran none here.
	if n := strings.Count(strings.Join(local.Log, "\n"), "prepare "); n != 20 {
		t.Errorf("side B prepared %d sessions here, want 20:\n%s", n, strings.Join(local.Log, "\n"))
	}
	for _, c := range res.Report.Cases {
		if c.Verdict != compare.Unchanged {
			t.Errorf("%s: %s (%s), want unchanged (same speed on both sides)", c.ID, c.Verdict, c.Reason)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	r := start(t, ctx)
	_, err := r.Prepare(ctx, workflowtest.Spec("bad", 320), runner.Options{Count: 1})
	if errs.KindOf(err) != errs.Usage || !strings.Contains(err.Error(), `"bad" is neither a file`) {
		t.Errorf("a usage error in the child: got %v (kind %v), want it with kind usage", err, errs.KindOf(err))
	}
	// The child goes on after a failed request.
	if _, err := r.Prepare(ctx, workflowtest.Spec("yolov8n", 320), runner.Options{Count: 1}); err != nil {
		t.Errorf("after a failed request: %v", err)
	}
	_, err = r.Prepare(ctx, workflowtest.Spec("crash", 320), runner.Options{Count: 1})
	if errs.KindOf(err) != errs.Env || !strings.Contains(err.Error(), "exited before answering") {
		t.Errorf("a child that exits: got %v, want an environment error", err)
	}
	if _, err2 := r.Prepare(ctx, workflowtest.Spec("yolov8n", 320), runner.Options{Count: 1}); err2 == nil {
		t.Error("a request after the child exited succeeded")
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := start(t, ctx)
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	_, err := r.Prepare(ctx, workflowtest.Spec("hang", 320), runner.Options{Count: 1})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while the child hangs: %v, want context.Canceled", err)
	}
	// The child was killed: Close returns at once with its exit.
	if err := r.Close(); err == nil {
		t.Error("the hung child was not killed")
	}
}
