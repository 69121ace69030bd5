package runner

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// Workload is what a case runs beyond the plain protocol: the end-to-end
// pipeline on real images, several concurrent streams, or both. The zero
// Workload is the plain protocol (inference on a random tensor, one stream),
// which RunWorkload hands to Run unchanged.
type Workload struct {
	// Frames are the decoded images of end-to-end mode (LoadFrames); empty
	// means inference only.
	Frames []Frame
	// Streams is the number of concurrent streams; 0 means 1.
	Streams int
	// Sessions is SessionShared (one session, each stream its own tensors,
	// the default) or SessionPerStream (one session per stream).
	Sessions string
	// Decode holds the post-processing settings of end-to-end mode.
	Decode yolo.DecodeOptions
}

// Session sharing between streams. Shared is the default: on the CPU
// provider both gave the same aggregate FPS within the noise of the
// measurement (docs/BENCHMARKS.md), and a shared session holds one copy of
// the weights and pays one cold start instead of one per stream.
const (
	SessionShared    = "shared"
	SessionPerStream = "per-stream"
)

// MaxStreams bounds --streams: each stream holds its own tensors and a
// goroutine; beyond 256 cameras a single host is the wrong tool.
const MaxStreams = 256

// Mode returns results.ModeE2E when w has frames, else results.ModeInfer.
func (w Workload) Mode() string {
	if len(w.Frames) > 0 {
		return results.ModeE2E
	}
	return results.ModeInfer
}

func (w Workload) streams() int { return max(w.Streams, 1) }

func (w Workload) plain() bool {
	return len(w.Frames) == 0 && w.streams() == 1 && w.Sessions != SessionPerStream
}

// Check returns a usage error for an impossible workload.
func (w Workload) Check() error {
	if w.Streams < 0 || w.Streams > MaxStreams {
		return errs.Usagef("--streams", fmt.Sprintf("use 1 to %d concurrent streams", MaxStreams), "bad stream count %d", w.Streams)
	}
	switch w.Sessions {
	case "", SessionShared, SessionPerStream:
	default:
		return errs.Usagef("--sessions", "use shared or per-stream", "unknown session sharing %q", w.Sessions)
	}
	return nil
}

// WorkloadCaseID is the case id of spec under w: the plain id, then
// "/mode=e2e" in end-to-end mode and "/streams=N" for more than one stream,
// so that these cases never compare with plain inference cases.
func WorkloadCaseID(spec *Spec, w Workload) string {
	id := spec.ID()
	if w.Mode() != results.ModeInfer {
		id += "/mode=" + w.Mode()
	}
	if n := w.streams(); n > 1 {
		id += "/streams=" + strconv.Itoa(n)
	}
	if w.Sessions == SessionPerStream {
		id += "/sessions=" + SessionPerStream
	}
	return id
}

// RunWorkload is Run for a Workload: every case in turn through cold start,
// warm-up and opt.Count repeats, all streams running concurrently in each
// phase. A plain workload is exactly Run.
func RunWorkload(ctx context.Context, specs []Spec, opt Options, w Workload) (*results.File, error) {
	if w.Check() == nil && w.plain() {
		return Run(ctx, specs, opt)
	}
	if opt.Fingerprint.Host.CPUCores == 0 {
		opt.Fingerprint = Environment{}.Fingerprint()
	}
	f := &results.File{Schema: results.Schema, Status: results.StatusIncomplete, Started: now(), Fingerprint: opt.Fingerprint, Cases: []results.Case{}}
	fail := func(err error) (*results.File, error) {
		f.Finished = now()
		f.StatusReason = err.Error()
		return f, err
	}
	if err := w.Check(); err != nil {
		return fail(err)
	}
	if err := opt.check(); err != nil {
		return fail(err)
	}
	for i := range specs {
		c, err := runWorkloadCase(ctx, &specs[i], opt, w)
		if c != nil {
			f.Cases = append(f.Cases, *c)
		}
		if err != nil {
			return fail(fmt.Errorf("%s: %w", WorkloadCaseID(&specs[i], w), err))
		}
	}
	f.Status = results.StatusComplete
	f.Finished = now()
	return f, nil
}

// tensors is what a stream runs: a session's own tensors or a Stream's.
type tensors interface {
	InputData(i int) []byte
	OutputData(i int) []byte
	Run() error
}

var (
	_ tensors = (*ort.Session)(nil)
	_ tensors = (*ort.Stream)(nil)
)

// streamState is one stream: its tensors, its pipeline and its latencies.
type streamState struct {
	t        tensors
	pipe     *pipeline // nil in inference mode
	next     int       // next frame index
	lat      []int64
	stages   [3][]int64 // preprocess, inference, postprocess; e2e only
	frames   int
	wall     time.Duration
	err      error
	fromIter int
}

// workloadCase holds the sessions and streams of one case.
type workloadCase struct {
	spec     *Spec
	opt      Options
	w        Workload
	sessions []*ort.Session
	extra    []*ort.Stream
	streams  []*streamState
	c        results.Case
	tel      Sampler
	// stageLat collects every timed iteration's stages over all repeats.
	stageLat [3][]int64
}

func (wc *workloadCase) close() {
	for _, st := range wc.extra {
		st.Close()
	}
	for _, s := range wc.sessions {
		s.Close()
	}
}

func (wc *workloadCase) logf(format string, args ...any) {
	if wc.opt.Progress != nil {
		fmt.Fprintf(wc.opt.Progress, format+"\n", args...)
	}
}

func runWorkloadCase(ctx context.Context, s *Spec, opt Options, w Workload) (*results.Case, error) {
	wc, err := prepareWorkload(ctx, s, opt, w)
	if err != nil {
		return nil, err
	}
	defer wc.close()
	partial := func(err error) (*results.Case, error) {
		c := wc.result()
		return &c, err
	}
	if err := wc.warmUp(ctx); err != nil {
		return partial(err)
	}
	for i := 0; i < opt.Count; i++ {
		if err := wc.repeat(ctx); err != nil {
			return partial(err)
		}
	}
	c := wc.result()
	return &c, nil
}

// result is the case as measured, with its marks summarized and, on a GPU,
// the bottleneck diagnosis, as Prepared.Case gives them.
func (wc *workloadCase) result() results.Case {
	wc.finishStages()
	return finishCase(wc.c, wc.opt.Fingerprint)
}

// prepareWorkload creates the sessions (timed: the first one's creation is
// the cold start) and each stream's tensors and pipeline.
func prepareWorkload(ctx context.Context, s *Spec, opt Options, w Workload) (*workloadCase, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := s.Model
	n := w.streams()
	wc := &workloadCase{spec: s, opt: opt, w: w}
	wc.c = results.Case{
		ID:        WorkloadCaseID(s, w),
		Model:     m.result(),
		Height:    s.Size.Height,
		Width:     s.Size.Width,
		Batch:     s.Batch,
		Precision: s.Precision,
		Provider:  results.Provider{Name: s.Provider, Options: s.ProviderOptions},
		Mode:      w.Mode(),
		Streams:   n,
		Threads:   s.Threads,
		Device:    s.device(),
		Includes:  workloadIncludes(s.Provider, w),
	}
	wc.c.Profile = opt.Fingerprint.Profile(wc.c.Device, wc.c.Threads)
	if opt.Telemetry != nil {
		wc.tel = opt.Telemetry(wc.c.Device)
	}
	if wc.tel == nil {
		wc.tel = Unavailable("no GPU telemetry for this case")
	}
	if w.Mode() == results.ModeE2E && m.inputs[m.image].Type != "float32" {
		return nil, errs.Inputf(m.where(), "export the model with a float32 input (no half=True)", "end-to-end mode feeds float32 images; input is %s", m.inputs[m.image].Type)
	}
	cfg := s.sessionConfig()
	nsess := 1
	if w.Sessions == SessionPerStream {
		nsess = n
	}
	engines := engineFiles(s.engineCache())
	for i := 0; i < nsess; i++ {
		t0 := time.Now()
		sess, err := m.newSession(slices.Clone(m.output), cfg)
		created := time.Since(t0)
		if err != nil {
			wc.close()
			return nil, withWhere(err, m)
		}
		wc.sessions = append(wc.sessions, sess)
		if err := sess.Allocate([][]int64{m.inputShape(s.Size, s.Batch)}); err != nil {
			wc.close()
			return nil, withWhere(err, m)
		}
		if err := fillRandom(sess.InputData(m.image), m.inputs[m.image].Type, opt.Seed+uint64(i)); err != nil {
			wc.close()
			return nil, withWhere(err, m)
		}
		t0 = time.Now()
		err = sess.First()
		first := time.Since(t0)
		if err != nil {
			wc.close()
			return nil, err
		}
		if i == 0 {
			wc.c.ColdStart = results.ColdStart{SessionCreateMS: ms(int64(created)), FirstInferenceMS: ms(int64(first)),
				TensorRTEngine: engineState(s.engineCache(), engines)}
		}
	}
	for k := 0; k < n; k++ {
		var t tensors
		if w.Sessions == SessionPerStream {
			t = wc.sessions[k]
		} else {
			st, err := wc.sessions[0].NewStream()
			if err != nil {
				wc.close()
				return nil, err
			}
			wc.extra = append(wc.extra, st)
			if err := fillRandom(st.InputData(m.image), m.inputs[m.image].Type, opt.Seed+uint64(k)); err != nil {
				wc.close()
				return nil, withWhere(err, m)
			}
			t = st
		}
		ss := &streamState{t: t, next: k % max(len(w.Frames), 1)}
		if w.Mode() == results.ModeE2E {
			p, err := newPipeline(m, wc.sessions[0].Outputs(), s.Size, s.Batch, w.Decode, t)
			if err != nil {
				wc.close()
				return nil, err
			}
			ss.pipe = p
		}
		wc.streams = append(wc.streams, ss)
	}
	wc.logf("%s: session %.0f ms, first inference %.1f ms, %d stream(s), %s", wc.c.ID, wc.c.ColdStart.SessionCreateMS, wc.c.ColdStart.FirstInferenceMS, n, sessionWord(w, n))
	return wc, nil
}

func sessionWord(w Workload, n int) string {
	if w.Sessions == SessionPerStream {
		return fmt.Sprintf("%d sessions", n)
	}
	return "one shared session"
}

// workloadIncludes says what one timed iteration covers.
func workloadIncludes(provider string, w Workload) string {
	s := "inference only: one synchronous ONNX Runtime Run on a preallocated random input; no pre- or post-processing"
	if w.Mode() == results.ModeE2E {
		s = fmt.Sprintf("end to end on %d decoded images: letterbox + normalize into the input tensor, one synchronous ONNX Runtime Run, decode + NMS of the output; JPEG/PNG decoding is done once before timing", len(w.Frames))
	}
	if provider != ort.CPU {
		s += "; host-to-device copy of the input and device-to-host copy of the outputs included"
	}
	if n := w.streams(); n > 1 {
		s += fmt.Sprintf("; %d concurrent streams (%s), each with its own tensors; FPS is all streams' frames over the repeat's wall time", n, sessionWord(w, n))
	}
	return s
}

// runAll runs every stream concurrently for a (per stream) and returns the
// wall time from the common start to the last stream's end.
func (wc *workloadCase) runAll(ctx context.Context, a Amount, timeStages bool) (time.Duration, error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, ss := range wc.streams {
		ss.err, ss.frames, ss.fromIter = nil, 0, len(ss.lat)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-start
			ss.loop(ctx, a, wc.w.Frames, wc.spec.Batch, timeStages)
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	for _, ss := range wc.streams {
		if ss.err != nil {
			return wall, ss.err
		}
	}
	return wall, nil
}

// loop runs iterations until a is reached or ctx is cancelled.
func (ss *streamState) loop(ctx context.Context, a Amount, frames []Frame, batch int, timeStages bool) {
	done := ctx.Done()
	start := time.Now()
	end := start
	for i := 0; ; i++ {
		if a.Reached(i, end.Sub(start)) {
			break
		}
		select {
		case <-done:
			ss.err = ctx.Err()
			return
		default:
		}
		t0 := time.Now()
		if ss.pipe == nil {
			if err := ss.t.Run(); err != nil {
				ss.err = err
				return
			}
			end = time.Now()
		} else {
			var st [3]int64
			var err error
			ss.next, st, err = ss.pipe.iterate(frames, ss.next, ss.t)
			if err != nil {
				ss.err = err
				return
			}
			end = time.Now()
			if timeStages {
				for k := range st {
					ss.stages[k] = append(ss.stages[k], st[k])
				}
			}
		}
		ss.lat = append(ss.lat, int64(end.Sub(t0)))
		ss.frames += batch
	}
	ss.wall = end.Sub(start)
}

// warmUp runs the warm-up on all streams together and checks stream 0's
// latencies for a steady state, as the plain protocol does.
func (wc *workloadCase) warmUp(ctx context.Context) error {
	a := wc.opt.Warmup
	if a.IsZero() {
		wc.c.Warmup = results.Warmup{Detail: "no warm-up (--warmup 0): steady state not checked"}
		return nil
	}
	start := time.Now()
	if _, err := wc.runAll(ctx, a, false); err != nil {
		return err
	}
	lat := wc.streams[0].lat
	w := min(max(len(lat)/steadyWindows, minWindow), maxWindow)
	stable, detail := steady(lat, w, wc.opt.Tolerance)
	for extra := 0; !stable && extra < MaxExtraWindows; extra++ {
		if _, err := wc.runAll(ctx, Amount{Iterations: w}, false); err != nil {
			return err
		}
		lat = wc.streams[0].lat
		stable, detail = steady(lat, w, wc.opt.Tolerance)
	}
	wc.c.Warmup = results.Warmup{Iterations: len(lat), DurationMS: ms(int64(time.Since(start))), Stable: stable, Detail: detail}
	wc.c.Unstable = !stable
	verdict := "stable"
	if !stable {
		verdict = "UNSTABLE"
	}
	wc.logf("  warm-up %d iterations per stream in %.1f s: %s (%s)", len(lat), wc.c.Warmup.DurationMS/1000, verdict, detail)
	for _, ss := range wc.streams {
		ss.lat = ss.lat[:0]
	}
	return nil
}

// repeat runs one timed repeat on all streams and records it.
func (wc *workloadCase) repeat(ctx context.Context) error {
	for _, ss := range wc.streams {
		ss.lat = ss.lat[:0]
		for k := range ss.stages {
			ss.stages[k] = ss.stages[k][:0]
		}
	}
	runtime.GC()
	wc.tel.Start()
	wall, err := wc.runAll(ctx, wc.opt.Benchtime, true)
	frames := 0
	for _, ss := range wc.streams {
		frames += ss.frames
	}
	tel := wc.tel.Stop(frames)
	if err != nil {
		return err
	}
	var all []int64
	r := results.Repeat{Frames: frames, WallNS: int64(wall), FPS: float64(frames) / wall.Seconds(), Telemetry: tel, Marks: telemetryMarks(tel, wc.c.Device)}
	for k, ss := range wc.streams {
		all = append(all, ss.lat...)
		r.Iterations += len(ss.lat)
		if len(wc.streams) > 1 {
			sr := results.StreamResult{Stream: k, Iterations: len(ss.lat), Frames: ss.frames, Latency: Summarize(ss.lat)}
			if ss.wall > 0 {
				sr.FPS = float64(ss.frames) / ss.wall.Seconds()
			}
			r.Streams = append(r.Streams, sr)
		}
		for s := range ss.stages {
			wc.stageLat[s] = append(wc.stageLat[s], ss.stages[s]...)
		}
	}
	r.LatenciesNS = all
	r.Latency = Summarize(all)
	wc.c.Repeats = append(wc.c.Repeats, r)
	line := fmt.Sprintf("  repeat %d: %d frames in %.2f s, %.2f fps, p50 %.2f ms", len(wc.c.Repeats), frames, wall.Seconds(), r.FPS, r.Latency.P50MS)
	if len(r.Streams) > 0 {
		lo := r.Streams[0].FPS
		for _, s := range r.Streams {
			lo = min(lo, s.FPS)
		}
		line += fmt.Sprintf(", slowest stream %.2f fps", lo)
	}
	wc.logf("%s", line)
	return nil
}

// finishStages summarizes the stage latencies of all repeats.
func (wc *workloadCase) finishStages() {
	if wc.w.Mode() != results.ModeE2E || len(wc.stageLat[0]) == 0 {
		return
	}
	names := [3]string{results.StagePreprocess, results.StageInference, results.StagePostprocess}
	wc.c.Stages = wc.c.Stages[:0]
	for k, lat := range wc.stageLat {
		l := Summarize(lat)
		st := results.Stage{Name: names[k], P50MS: l.P50MS, MeanMS: l.MeanMS}
		if l.P99MS != nil {
			st.P99MS = *l.P99MS
		}
		wc.c.Stages = append(wc.c.Stages, st)
	}
}
