package gpu

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/yologate/yologate/runner/results"
)

// DefaultInterval is the sampler period. NVML refreshes utilization every
// 1/6 s to 1 s depending on the GPU and power every ~100 ms, so sampling
// faster only repeats values while costing more driver calls.
const DefaultInterval = 100 * time.Millisecond

// MaxSeries caps the raw readings kept per repeat (five minutes at the
// default interval); longer repeats keep an evenly thinned series, while
// the summary still uses every reading.
const MaxSeries = 3000

// Options configure a Sampler. The zero value samples every
// DefaultInterval and identifies this process by os.Getpid.
type Options struct {
	// Interval is the sampling period; 0 means DefaultInterval.
	Interval time.Duration
	// PID is this process's id as NVML reports it; 0 means os.Getpid().
	PID uint32
	// CPUTime returns the CPU time (user + system) this process has used;
	// nil reads getrusage(RUSAGE_SELF).
	CPUTime func() time.Duration
}

// Sampler reads one GPU on a background goroutine while a repeat runs.
// Start and Stop bracket each repeat; a Sampler is reused across the
// repeats of a case but must not be shared by concurrent repeats.
type Sampler struct {
	src      Source
	device   int
	interval time.Duration
	pid      uint32
	cpuTime  func() time.Duration
	// reason is set when telemetry is unavailable; then only CPU time is measured.
	reason string
	// lost stays set once the device disappeared: later repeats do not read it.
	lost bool

	mu       sync.Mutex
	stop     chan struct{}
	done     chan struct{}
	start    time.Time
	cpuStart time.Duration
	readings []Reading
	err      error
	cost     time.Duration
	names    map[uint32]string
}

// NewSampler returns a sampler of device (0-based) on src, which must be open.
func NewSampler(src Source, device int, opt Options) *Sampler {
	s := newSampler(opt)
	s.src, s.device = src, device
	if src == nil {
		s.reason = "no GPU telemetry source"
	}
	return s
}

// UnavailableSampler returns a sampler whose telemetry says it is
// unavailable for reason; it still measures this process's CPU time.
func UnavailableSampler(reason string, opt Options) *Sampler {
	s := newSampler(opt)
	s.reason = reason
	return s
}

func newSampler(opt Options) *Sampler {
	s := &Sampler{interval: opt.Interval, pid: opt.PID, cpuTime: opt.CPUTime, names: map[uint32]string{}}
	if s.interval <= 0 {
		s.interval = DefaultInterval
	}
	if s.pid == 0 {
		s.pid = uint32(os.Getpid())
	}
	if s.cpuTime == nil {
		s.cpuTime = processCPUTime
	}
	return s
}

// Start begins a repeat: it takes a first reading (the energy counter's
// start) and starts the background goroutine. Call it just before the
// repeat's clock starts.
func (s *Sampler) Start() {
	s.mu.Lock()
	s.readings, s.err, s.cost = nil, nil, 0
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	s.cpuStart = s.cpuTime()
	s.start = time.Now()
	s.mu.Unlock()
	if s.reason != "" || s.lost {
		close(s.done)
		return
	}
	s.sample()
	go s.loop()
}

func (s *Sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if !s.sample() {
				return
			}
		}
	}
}

// sample takes one reading; it reports false once the device is lost.
func (s *Sampler) sample() bool {
	t0 := time.Now()
	r, err := s.src.Read(s.device)
	cost := time.Since(t0)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cost += cost
	if err != nil {
		if errors.Is(err, ErrDeviceLost) {
			s.err, s.lost = err, true
			return false
		}
		if s.err == nil {
			s.err = err
		}
		return true
	}
	s.readings = append(s.readings, r)
	return true
}

// Stop ends the repeat: it stops the goroutine, takes a last reading and
// summarizes them. frames is the repeat's frame count, for joules per
// frame (0 leaves it out). Call it just after the repeat's clock stops.
func (s *Sampler) Stop(frames int) *results.Telemetry {
	end := time.Now()
	if s.stop == nil {
		return &results.Telemetry{Reason: "sampler stopped without a start"}
	}
	close(s.stop)
	<-s.done
	s.stop = nil
	cpu := s.cpuTime()
	if s.reason == "" && !s.lost {
		s.sample()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wall := end.Sub(s.start)
	var t *results.Telemetry
	if s.reason != "" {
		t = &results.Telemetry{Reason: s.reason}
	} else {
		t = Summarize(s.readings, s.start, frames, s.interval)
		t.ForeignProcesses = s.foreign(s.readings)
		t.SamplerCostMS = ms(s.cost)
		if s.lost {
			t.DeviceLost = true
			if len(s.readings) == 0 {
				t.Available = false
				t.Reason = "gpu lost before this repeat"
			}
		}
	}
	if wall > 0 {
		t.ProcessCPUPct = round2(100 * float64(cpu-s.cpuStart) / float64(wall))
	}
	return t
}

// foreign names the processes other than this one seen on the device.
// Inside a container NVML reports host pids, so this process's pid may be
// absent; then one process is presumed to be this one and only a second
// process counts as foreign.
func (s *Sampler) foreign(readings []Reading) []string {
	var out []string
	seen := map[uint32]bool{}
	for _, r := range readings {
		self := false
		for _, p := range r.Processes {
			self = self || p.PID == s.pid
		}
		if !self && len(r.Processes) < 2 {
			continue
		}
		for _, p := range r.Processes {
			if p.PID == s.pid || seen[p.PID] {
				continue
			}
			seen[p.PID] = true
			out = append(out, s.describe(p.PID))
		}
	}
	return out
}

func (s *Sampler) describe(pid uint32) string {
	name, ok := s.names[pid]
	if !ok {
		name = s.src.ProcessName(pid)
		s.names[pid] = name
	}
	if name == "" {
		return "pid " + itoa(int(pid))
	}
	return "pid " + itoa(int(pid)) + " " + name
}

// processCPUTime is the user + system CPU time of this process.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
