package runner

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/progress"
	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// Options are the protocol settings shared by every case of a run.
type Options struct {
	// Warmup is the warm-up before the steady-state check; the zero Amount
	// skips both.
	Warmup Amount
	// Benchtime is the length of one repeat.
	Benchtime Amount
	// Count is the number of repeats (samples for the statistics), at least 1.
	Count int
	// Tolerance is the steady-state tolerance: the largest relative spread
	// (max/min - 1) of the last three warm-up window medians, e.g. 0.10.
	Tolerance float64
	// Seed seeds the random input tensor.
	Seed uint64
	// Telemetry returns the sampler for a case's device (a GPU index, -1 for
	// the CPU); it is called once per case. Nil means no telemetry.
	Telemetry func(device int) Sampler
	// Fingerprint is the machine the cases run on; Profile is derived from it.
	Fingerprint results.Fingerprint
	// Progress receives one line per phase and per repeat; nil for silence.
	Progress io.Writer
	// OnEvent, when set, receives each phase and repeat as it happens, for
	// a live progress line; it must return quickly.
	OnEvent func(progress.Event)
}

// Protocol defaults. Benchtime: a CPU yolov8n@640 repeat on two cores takes
// about 80 ms per inference, so 5 s gives ~60 iterations and ten repeats
// about a minute; a GPU reaches the 1000-iteration cap (the standard protocol's
// timed loop) in a second or two.
const (
	DefaultCount     = 10
	DefaultTolerance = 0.10
	DefaultSeed      = 1
)

// DefaultWarmup is ten iterations, the top of the standard protocol's 5–10 runs.
var DefaultWarmup = Amount{Iterations: 10}

// DefaultBenchtime is 5 s or 1000 iterations per repeat, whichever comes first.
var DefaultBenchtime = Amount{Iterations: 1000, Duration: 5 * time.Second}

// DefaultOptions returns the default protocol.
func DefaultOptions() Options {
	return Options{
		Warmup:    DefaultWarmup,
		Benchtime: DefaultBenchtime,
		Count:     DefaultCount,
		Tolerance: DefaultTolerance,
		Seed:      DefaultSeed,
	}
}

// Steady-state check: the last steadyWindows windows of the warm-up must
// agree; a window holds a third of the warm-up iterations or
// minWindowTime of them, between minWindow and maxWindow; after MaxExtraWindows more windows without
// agreement the case is unstable.
const (
	minWindowTime   = 200 * time.Millisecond
	steadyWindows   = 3
	minWindow       = 5
	maxWindow       = 100
	MaxExtraWindows = 20
)

func (o *Options) check() error {
	if o.Count < 1 {
		return errs.Usagef("--count", "use 1 or more repeats (10 is the default)", "count %d runs no repeats", o.Count)
	}
	if o.Benchtime.IsZero() {
		return errs.Usagef("--benchtime", `use a count like "1000x" or a duration like "3s"`, "benchtime runs nothing")
	}
	if !(o.Tolerance > 0) || math.IsInf(o.Tolerance, 0) {
		return errs.Usagef("tolerance", "use a positive fraction such as 0.1", "bad steady-state tolerance %v", o.Tolerance)
	}
	return nil
}

// Prepared is a case whose session is created and whose first inference is
// done: ready for WarmUp and RunRepeat. Use it from one goroutine.
type Prepared struct {
	spec Spec
	opt  Options
	sess *ort.Session
	tel  Sampler
	c    results.Case
	// estNS is the median warm-up latency, to size duration-bound repeats.
	estNS float64
}

// Prepare creates the case's session (timed: session creation) and runs
// its first inference (timed) on a seeded random input.
func Prepare(ctx context.Context, spec Spec, opt Options) (*Prepared, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &Prepared{spec: spec, opt: opt}
	p.c = results.Case{
		ID:        spec.ID(),
		Model:     spec.Model.result(),
		Height:    spec.Size.Height,
		Width:     spec.Size.Width,
		Batch:     spec.Batch,
		Precision: spec.Precision,
		Provider:  results.Provider{Name: spec.Provider, Options: spec.ProviderOptions},
		Mode:      "infer",
		Threads:   spec.Threads,
		Device:    spec.device(),
		Includes:  includes(spec.Provider, spec.IncludeCopies),
	}
	p.c.Profile = opt.Fingerprint.Profile(p.c.Device, p.c.Threads)
	p.event(progress.Event{Phase: progress.PhaseSession})
	if opt.Telemetry != nil {
		p.tel = opt.Telemetry(p.c.Device)
	}
	if p.tel == nil {
		reason := "no GPU telemetry on this machine"
		if p.c.Device < 0 {
			reason = "cpu provider: no GPU to sample"
		}
		p.tel = Unavailable(reason)
	}
	cfg := spec.sessionConfig()
	cfg.DeviceIO = spec.Provider != ort.CPU && !spec.IncludeCopies
	m := spec.Model
	outputs := slices.Clone(m.output)
	engines := engineFiles(spec.engineCache())
	t0 := time.Now()
	sess, err := m.newSession(outputs, cfg)
	created := time.Since(t0)
	if err != nil {
		return nil, withWhere(err, m)
	}
	p.sess = sess
	if err := sess.Allocate([][]int64{m.inputShape(spec.Size, spec.Batch)}); err != nil {
		sess.Close()
		return nil, withWhere(err, m)
	}
	if err := fillRandom(sess.InputData(m.image), m.inputs[m.image].Type, opt.Seed); err != nil {
		sess.Close()
		return nil, withWhere(err, m)
	}
	t0 = time.Now()
	err = sess.First()
	first := time.Since(t0)
	if err != nil {
		sess.Close()
		return nil, err
	}
	p.c.ColdStart = results.ColdStart{SessionCreateMS: ms(int64(created)), FirstInferenceMS: ms(int64(first)),
		TensorRTEngine: engineState(spec.engineCache(), engines)}
	p.logf("%s: session %.0f ms%s, first inference %.1f ms", p.c.ID, p.c.ColdStart.SessionCreateMS, p.c.ColdStart.EngineNote(), p.c.ColdStart.FirstInferenceMS)
	if sess.DeviceResident() && spec.Provider != ort.CPU {
		tr, err := sess.MeasureTransfer(transferSamples)
		if err != nil {
			sess.Close()
			return nil, err
		}
		p.c.Transfer = transferResult(tr)
		p.logf("%s: copies would add %.3f ms per iteration (%d B in at %.1f GB/s, %d B out at %.1f GB/s)", p.c.ID,
			p.c.Transfer.PerIterationMS, tr.InputBytes, p.c.Transfer.HostToDeviceGBps, tr.OutputBytes, p.c.Transfer.DeviceToHostGBps)
	}
	return p, nil
}

// transferSamples is how many copies each way MeasureTransfer times.
const transferSamples = 21

// transferResult records a measured transfer in results' units.
func transferResult(tr ort.Transfer) *results.Transfer {
	gbps := func(bytes int, d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return float64(bytes) / d.Seconds() / 1e9
	}
	return &results.Transfer{
		InputBytes:       int64(tr.InputBytes),
		OutputBytes:      int64(tr.OutputBytes),
		HostToDeviceGBps: gbps(tr.InputBytes, tr.HostToDevice),
		DeviceToHostGBps: gbps(tr.OutputBytes, tr.DeviceToHost),
		PerIterationMS:   ms(int64(tr.HostToDevice + tr.DeviceToHost)),
	}
}

// engineFiles returns the modification times of the TensorRT engines in
// dir; none when dir is "" or absent.
func engineFiles(dir string) map[string]time.Time {
	out := map[string]time.Time{}
	if dir == "" {
		return out
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".engine") {
			continue
		}
		if info, err := e.Info(); err == nil {
			out[e.Name()] = info.ModTime()
		}
	}
	return out
}

// engineState says what creating and first running a session did with
// TensorRT's engine cache in dir, given the engines there before: "built"
// when an engine was written (its build time is in the cold start),
// "cached" when engines were there and none was written, "" without a
// cache or an engine.
func engineState(dir string, before map[string]time.Time) string {
	if dir == "" {
		return ""
	}
	after := engineFiles(dir)
	for name, t := range after {
		if old, ok := before[name]; !ok || !old.Equal(t) {
			return results.EngineBuilt
		}
	}
	if len(after) > 0 {
		return results.EngineCached
	}
	return ""
}

// withWhere names the model file in an error ONNX Runtime raised about "model".
func withWhere(err error, m *Model) error {
	if e, ok := err.(*errs.Error); ok && e.Where == "model" {
		c := *e
		c.Where = m.Path
		if c.Where == "" {
			c.Where = "--model " + m.Name
		}
		return &c
	}
	return err
}

// includes says what one timed iteration covers.
func includes(provider string, copies bool) string {
	s := "inference only: one synchronous ONNX Runtime Run on a preallocated random input; no pre- or post-processing"
	switch {
	case provider == ort.CPU:
	case copies:
		s += "; host-to-device copy of the input and device-to-host copy of the outputs included (--include-copies)"
	default:
		s += "; input and outputs resident in GPU memory, bound once: GPU compute only, no host-device copies"
	}
	return s
}

// event sends e for this case to Options.OnEvent.
func (p *Prepared) event(e progress.Event) {
	if p.opt.OnEvent != nil {
		e.Case = p.c.ID
		p.opt.OnEvent(e)
	}
}

// repeatEvent reports a finished repeat with the time the remaining
// repeats of Options.Count will take at the pace so far.
func (p *Prepared) repeatEvent(r results.Repeat) {
	done := len(p.c.Repeats)
	var wall int64
	for _, x := range p.c.Repeats {
		wall += x.WallNS
	}
	var eta time.Duration
	if left := p.opt.Count - done; left > 0 {
		eta = time.Duration(wall / int64(done) * int64(left))
	}
	p.event(progress.Event{Phase: progress.PhaseRepeat, Repeat: done, Repeats: max(p.opt.Count, done), FPS: r.FPS, ETA: eta})
}

func (p *Prepared) logf(format string, args ...any) {
	if p.opt.Progress != nil {
		fmt.Fprintf(p.opt.Progress, format+"\n", args...)
	}
}

// ID returns the case id.
func (p *Prepared) ID() string { return p.c.ID }

// Case returns the case as measured so far: cold start, warm-up and the
// repeats run until now. The caller owns the copy.
// Case marks summarize the repeats' marks by kind ("throttled: 3 of 10
// repeats"); a GPU case also gets bottleneck hints from its telemetry.
func (p *Prepared) Case() results.Case {
	return finishCase(p.c, p.opt.Fingerprint)
}

// finishCase returns a copy of c with its repeats' marks summarized and, on
// a GPU, the bottleneck diagnosis for the device fp describes.
func finishCase(c results.Case, fp results.Fingerprint) results.Case {
	c.Repeats = slices.Clone(c.Repeats)
	c.Marks = gpu.CaseMarks(c.Repeats)
	if c.Device >= 0 && len(c.Repeats) > 0 {
		var dev *results.GPU
		for i := range fp.GPUs {
			if fp.GPUs[i].Index == c.Device {
				dev = &fp.GPUs[i]
			}
		}
		c.Diagnosis = gpu.Diagnose(&c, dev)
	}
	return c
}

// Close releases the session.
func (p *Prepared) Close() error {
	if p.sess == nil {
		return nil
	}
	err := p.sess.Close()
	p.sess = nil
	return err
}

// WarmUp runs the warm-up and the steady-state check, and records them in
// the case; a case that does not settle is marked unstable. It returns
// ctx's error when cancelled.
func (p *Prepared) WarmUp(ctx context.Context) error {
	a := p.opt.Warmup
	if a.IsZero() {
		p.c.Warmup = results.Warmup{Stable: false, Detail: "no warm-up (--warmup 0): steady state not checked"}
		return nil
	}
	p.event(progress.Event{Phase: progress.PhaseWarmup})
	start := time.Now()
	capHint := a.Iterations
	if capHint == 0 {
		capHint = 256
	}
	lat := make([]int64, 0, capHint+steadyWindows*maxWindow)
	lat, _, err := p.loop(ctx, lat, a)
	if err != nil {
		return err
	}
	w := windowSize(lat)
	stable, detail := steady(lat, w, p.opt.Tolerance)
	for extra := 0; !stable && extra < MaxExtraWindows; extra++ {
		if lat, _, err = p.loop(ctx, lat, Amount{Iterations: w}); err != nil {
			return err
		}
		stable, detail = steady(lat, w, p.opt.Tolerance)
	}
	p.c.Warmup = results.Warmup{
		Iterations: len(lat),
		DurationMS: ms(int64(time.Since(start))),
		Stable:     stable,
		Detail:     detail,
	}
	p.c.Unstable = !stable
	p.estNS = stat.Median(lat[max(0, len(lat)-steadyWindows*w):])
	verdict := "stable"
	if !stable {
		verdict = "UNSTABLE"
	}
	p.logf("  warm-up %d iterations in %.1f s: %s (%s)", len(lat), p.c.Warmup.DurationMS/1000, verdict, detail)
	return nil
}

// windowSize is the steady-state window for a warm-up that ran lat: a
// third of it, but at least minWindowTime of inference (so that a fast
// model's windows are not a handful of noisy milliseconds) and at least
// minWindow iterations, at most maxWindow.
func windowSize(lat []int64) int {
	w := len(lat) / steadyWindows
	if m := stat.Median(lat); m > 0 {
		w = max(w, int(math.Ceil(float64(minWindowTime)/m)))
	}
	return min(max(w, minWindow), maxWindow)
}

// steady checks the last steadyWindows windows of w latencies each.
func steady(lat []int64, w int, tol float64) (bool, string) {
	if len(lat) < steadyWindows*w {
		return false, fmt.Sprintf("%d iterations, fewer than %d windows of %d", len(lat), steadyWindows, w)
	}
	tail := lat[len(lat)-steadyWindows*w:]
	meds := make([]float64, steadyWindows)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range meds {
		meds[i] = stat.Median(tail[i*w : (i+1)*w])
		lo, hi = math.Min(lo, meds[i]), math.Max(hi, meds[i])
	}
	spread := 0.0
	if lo > 0 {
		spread = hi/lo - 1
	}
	parts := make([]string, len(meds))
	for i, m := range meds {
		parts[i] = fmt.Sprintf("%.3g", m/1e6)
	}
	return spread <= tol, fmt.Sprintf("medians of the last %d windows of %d: %s ms, spread %.1f%%, tolerance %.0f%%",
		steadyWindows, w, strings.Join(parts, " / "), spread*100, tol*100)
}

// RunRepeat runs one timed repeat of Benchtime, appends it to the case and
// returns it. GC runs before the repeat, never inside it; the loop itself
// allocates nothing. It returns ctx's error when cancelled mid-repeat (the
// partial repeat is dropped).
func (p *Prepared) RunRepeat(ctx context.Context) (results.Repeat, error) {
	a := p.opt.Benchtime
	n := a.Iterations
	if a.Duration > 0 {
		est := 64
		if p.estNS > 0 {
			est = int(float64(a.Duration)/p.estNS*1.5) + 64
		}
		if n == 0 || est < n {
			n = est
		}
	}
	lat := make([]int64, 0, min(n, maxIterations))
	runtime.GC()
	dev := p.c.Device
	p.tel.Start()
	lat, wall, err := p.loop(ctx, lat, a)
	frames := len(lat) * p.spec.Batch
	tel := p.tel.Stop(frames)
	if err != nil {
		return results.Repeat{}, err
	}
	r := results.Repeat{
		Iterations:  len(lat),
		Frames:      frames,
		WallNS:      int64(wall),
		FPS:         float64(frames) / wall.Seconds(),
		LatenciesNS: lat,
		Latency:     Summarize(lat),
		Telemetry:   tel,
		Marks:       telemetryMarks(tel, dev),
	}
	p.c.Repeats = append(p.c.Repeats, r)
	p.repeatEvent(r)
	p.logf("  repeat %d: %d iterations in %.2f s, %.2f fps, p50 %.2f ms", len(p.c.Repeats), r.Iterations, wall.Seconds(), r.FPS, r.Latency.P50MS)
	return r, nil
}

// loop runs inferences until a is reached, appending each latency to lat;
// it returns the latencies and the wall time from the first iteration's
// start to the last one's end. The goroutine stays on one OS thread
// throughout. Cancellation is checked between iterations.
func (p *Prepared) loop(ctx context.Context, lat []int64, a Amount) ([]int64, time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if a.IsZero() {
		return lat, 0, nil
	}
	done := ctx.Done()
	sess := p.sess
	first := len(lat)
	start := time.Now()
	end := start
	for i := 0; ; i++ {
		if a.Reached(i, end.Sub(start)) {
			break
		}
		select {
		case <-done:
			return lat[:first], 0, ctx.Err()
		default:
		}
		t0 := time.Now()
		if err := sess.Run(); err != nil {
			return lat[:first], 0, err
		}
		end = time.Now()
		lat = append(lat, int64(end.Sub(t0)))
	}
	return lat, end.Sub(start), nil
}
