// Package child measures one side of an interleaved run in a child
// process: a pull request that changes the ONNX Runtime library cannot
// load both libraries into one process, so the side that needs the other
// library prepares, warms up and times its sessions in a second yologate
// process, driven request by request so that the interleaving (and with
// it the paired test) is the same as in one process.
//
// The two processes speak JSON, one message per line: the child's stdin
// carries requests, its stdout carries replies, and its stderr is the
// child's progress log, passed through.
package child

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sync"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/workflow"
)

// Hello is the child's first message: what it loaded.
type Hello struct {
	// Runtime is the ONNX Runtime library the child loaded.
	Runtime results.Runtime `json:"runtime"`
}

// Operations a request asks for.
const (
	opPrepare = "prepare"
	opWarmUp  = "warm-up"
	opRepeat  = "repeat"
	opCase    = "case"
	opClose   = "close"
)

// request asks the child to act on one session.
type request struct {
	Op      string `json:"op"`
	Session int    `json:"session"`
	// Spec and Options come with opPrepare only.
	Spec    *wireSpec    `json:"spec,omitempty"`
	Options *wireOptions `json:"options,omitempty"`
}

// reply answers one request; Hello answers none (the child's first line).
type reply struct {
	Hello *Hello          `json:"hello,omitempty"`
	Error *wireError      `json:"error,omitempty"`
	Case  *results.Case   `json:"case,omitempty"`
	Rep   *results.Repeat `json:"repeat,omitempty"`
}

// wireSpec is a runner.Spec whose model is named, not sent.
type wireSpec struct {
	runner.Spec
	Ref ModelRef `json:"model_ref"`
}

// ModelRef names a case's model: the child loads the same file, or
// generates the same standard model.
type ModelRef struct {
	Name      string `json:"name"`
	Path      string `json:"path,omitempty"`
	Generated bool   `json:"generated,omitempty"`
}

// wireOptions are the protocol settings of runner.Options; the child
// fills the fingerprint, telemetry and progress itself.
type wireOptions struct {
	Warmup    runner.Amount `json:"warmup"`
	Benchtime runner.Amount `json:"benchtime"`
	Count     int           `json:"count"`
	Tolerance float64       `json:"tolerance"`
	Seed      uint64        `json:"seed"`
}

// wireError carries an error's one-line message with its kind, so that an
// input error in the child is still an input error (exit 2) in the parent.
type wireError struct {
	Kind errs.Kind `json:"kind"`
	Msg  string    `json:"msg"`
}

func toWire(err error) *wireError { return &wireError{Kind: errs.KindOf(err), Msg: err.Error()} }

func (w *wireError) err() error {
	return &errs.Error{Kind: w.Kind, Where: "child process", Msg: w.Msg}
}

// Runner prepares sessions in a child process; it is a workflow.Preparer.
type Runner struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	// replies carries each line the child writes; it is closed when the
	// child's stdout ends.
	replies chan []byte
	hello   Hello

	mu      sync.Mutex // one request at a time
	next    int
	dead    error // set once the child is gone
	waitErr chan error
}

var _ workflow.Preparer = (*Runner)(nil)

// Start runs cmd (a yologate side worker), passing its stderr to stderr,
// and waits for its hello. The child lives until Close or ctx ends.
func Start(ctx context.Context, cmd *exec.Cmd, stderr io.Writer) (*Runner, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, errs.Envf(cmd.Path, "", "cannot start the child process: %v", err)
	}
	r := &Runner{cmd: cmd, stdin: stdin, replies: make(chan []byte), waitErr: make(chan error, 1)}
	go r.read(stdout)
	var first reply
	if err := r.receive(ctx, &first); err != nil {
		r.kill()
		return nil, err
	}
	if first.Error != nil {
		r.kill()
		return nil, first.Error.err()
	}
	if first.Hello == nil {
		r.kill()
		return nil, fmt.Errorf("child process: expected a hello, got %q", "reply")
	}
	r.hello = *first.Hello
	return r, nil
}

// read passes the child's stdout lines to replies, then reaps the child.
func (r *Runner) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 256<<20) // a repeat's latencies can be long
	for sc.Scan() {
		r.replies <- append([]byte(nil), sc.Bytes()...)
	}
	close(r.replies)
	r.waitErr <- r.cmd.Wait()
}

// receive waits for the child's next reply.
func (r *Runner) receive(ctx context.Context, out *reply) error {
	select {
	case line, ok := <-r.replies:
		if !ok {
			werr := <-r.waitErr
			r.waitErr <- werr
			return errs.Envf("child process", "see its messages above", "exited before answering: %v", werr)
		}
		if err := json.Unmarshal(line, out); err != nil {
			return fmt.Errorf("child process: unreadable reply %.80q: %w", line, err)
		}
		return nil
	case <-ctx.Done():
		r.kill()
		return ctx.Err()
	}
}

// call sends req and waits for its reply.
func (r *Runner) call(ctx context.Context, req request) (*reply, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead != nil {
		return nil, r.dead
	}
	data, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := r.stdin.Write(append(data, '\n')); err != nil {
		r.dead = errs.Envf("child process", "see its messages above", "cannot send a request: %v", err)
		return nil, r.dead
	}
	var rep reply
	if err := r.receive(ctx, &rep); err != nil {
		r.dead = err
		return nil, err
	}
	if rep.Error != nil {
		return nil, rep.Error.err()
	}
	return &rep, nil
}

// Hello returns what the child loaded.
func (r *Runner) Hello() Hello { return r.hello }

// Prepare implements workflow.Preparer: the child creates and times the
// session of spec.
func (r *Runner) Prepare(ctx context.Context, spec runner.Spec, opt runner.Options) (workflow.Session, error) {
	r.mu.Lock()
	r.next++
	id := r.next
	r.mu.Unlock()
	ws := &wireSpec{Spec: spec}
	ws.Spec.Model = nil
	if m := spec.Model; m != nil {
		ws.Ref = ModelRef{Name: m.Name, Path: m.Path, Generated: m.Generated}
	}
	wo := &wireOptions{Warmup: opt.Warmup, Benchtime: opt.Benchtime, Count: opt.Count, Tolerance: opt.Tolerance, Seed: opt.Seed}
	rep, err := r.call(ctx, request{Op: opPrepare, Session: id, Spec: ws, Options: wo})
	if err != nil {
		return nil, err
	}
	s := &session{r: r, id: id}
	if rep.Case != nil {
		s.c = *rep.Case
	}
	return s, nil
}

// Close ends the child: its stdin closes and it exits once its sessions
// are closed.
func (r *Runner) Close() error {
	r.stdin.Close()
	for range r.replies {
	}
	err := <-r.waitErr
	r.waitErr <- err
	return err
}

func (r *Runner) kill() {
	if r.cmd.Process != nil {
		r.cmd.Process.Kill()
	}
}

// session is one of the child's sessions, seen from the parent.
type session struct {
	r  *Runner
	id int
	c  results.Case
}

func (s *session) WarmUp(ctx context.Context) error {
	_, err := s.r.call(ctx, request{Op: opWarmUp, Session: s.id})
	return err
}

func (s *session) RunRepeat(ctx context.Context) (results.Repeat, error) {
	rep, err := s.r.call(ctx, request{Op: opRepeat, Session: s.id})
	if err != nil {
		return results.Repeat{}, err
	}
	if rep.Rep == nil {
		return results.Repeat{}, fmt.Errorf("child process: a repeat reply without the repeat")
	}
	s.c.Repeats = append(s.c.Repeats, *rep.Rep)
	return *rep.Rep, nil
}

// Case asks the child for the case as measured so far (its marks and
// diagnosis are derived there); when the child cannot answer, the case
// holds what this side has seen.
func (s *session) Case() results.Case {
	rep, err := s.r.call(context.Background(), request{Op: opCase, Session: s.id})
	if err != nil || rep.Case == nil {
		return s.c
	}
	s.c = *rep.Case
	return s.c
}

func (s *session) Close() error {
	_, err := s.r.call(context.Background(), request{Op: opClose, Session: s.id})
	return err
}
