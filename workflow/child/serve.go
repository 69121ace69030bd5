package child

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/workflow"
)

// Server is the child's side: it answers a parent's requests with the
// sessions of Runner.
type Server struct {
	Runner workflow.Preparer
	// Hello says what the child loaded; it is sent first.
	Hello Hello
	// Setup fills the options a parent cannot send: the fingerprint, the
	// telemetry and the progress log of this process.
	Setup func(*runner.Options)
	// Model returns the model ref names for a case of size and batch.
	Model func(ref ModelRef, size runner.Size, batch int) (*runner.Model, error)
}

// LoadModel is the Model function of a yologate child: a file is read
// again, a standard model generated again.
func LoadModel(ref ModelRef, size runner.Size, batch int) (*runner.Model, error) {
	if ref.Generated || ref.Path == "" {
		return runner.GenerateModel(ref.Name, size, batch)
	}
	return runner.LoadModelFile(ref.Path)
}

// Serve answers requests from r on w until r ends, then closes every
// session still open. A failed request is answered with its error and the
// child goes on; only a broken pipe or an unreadable request ends it.
func (sv *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	out := bufio.NewWriter(w)
	send := func(rep reply) error {
		data, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		out.Write(append(data, '\n'))
		return out.Flush()
	}
	sessions := map[int]workflow.Session{}
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	if err := send(reply{Hello: &sv.Hello}); err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return fmt.Errorf("unreadable request %.80q: %w", sc.Bytes(), err)
		}
		rep, err := sv.answer(ctx, req, sessions)
		if err != nil {
			rep = reply{Error: toWire(err)}
		}
		if err := send(rep); err != nil {
			return err
		}
	}
	return sc.Err()
}

// answer carries out one request.
func (sv *Server) answer(ctx context.Context, req request, sessions map[int]workflow.Session) (reply, error) {
	if req.Op == opPrepare {
		if req.Spec == nil || req.Options == nil {
			return reply{}, fmt.Errorf("prepare without a spec and options")
		}
		if sessions[req.Session] != nil {
			return reply{}, fmt.Errorf("session %d is already open", req.Session)
		}
		spec := req.Spec.Spec
		m, err := sv.Model(req.Spec.Ref, spec.Size, spec.Batch)
		if err != nil {
			return reply{}, err
		}
		spec.Model = m
		wo := req.Options
		opt := runner.Options{Warmup: wo.Warmup, Benchtime: wo.Benchtime, Count: wo.Count, Tolerance: wo.Tolerance, Seed: wo.Seed}
		if sv.Setup != nil {
			sv.Setup(&opt)
		}
		s, err := sv.Runner.Prepare(ctx, spec, opt)
		if err != nil {
			return reply{}, err
		}
		sessions[req.Session] = s
		c := s.Case()
		return reply{Case: &c}, nil
	}
	s := sessions[req.Session]
	if s == nil {
		return reply{}, fmt.Errorf("%s: no open session %d", req.Op, req.Session)
	}
	switch req.Op {
	case opWarmUp:
		return reply{}, s.WarmUp(ctx)
	case opRepeat:
		r, err := s.RunRepeat(ctx)
		if err != nil {
			return reply{}, err
		}
		return reply{Rep: &r}, nil
	case opCase:
		c := s.Case()
		return reply{Case: &c}, nil
	case opClose:
		delete(sessions, req.Session)
		return reply{}, s.Close()
	}
	return reply{}, fmt.Errorf("unknown operation %q", req.Op)
}
