package gpu_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// overheadModel is the real Ultralytics int8 export, read in place.
const overheadModel = "../../../shared/testdata/models/yolov8n_int8.onnx"

// readCost is what one fake reading keeps a CPU busy: a real reading is
// about a dozen NVML calls (ioctls into the driver) of 10–100 µs each, so
// 1 ms is at the expensive end.
const readCost = time.Millisecond

// alternating samples only every other repeat (B), leaving the others (A)
// unsampled, so that both arms share one session, one warm-up and the same
// drift.
type alternating struct {
	s *gpu.Sampler
	n int
}

func (a *alternating) on() bool { return a.n%2 == 1 }

func (a *alternating) Start() {
	if a.on() {
		a.s.Start()
	}
}

func (a *alternating) Stop(frames int) *results.Telemetry {
	defer func() { a.n++ }()
	if a.on() {
		return a.s.Stop(frames)
	}
	return &results.Telemetry{Reason: "sampler off"}
}

// BenchmarkSamplerOverhead runs the CPU benchmark of the real int8 model
// with repeats alternating between no sampler (A) and the sampler at its
// default 100 ms period on a fake NVML whose readings cost readCost (B).
// It reports the median FPS of each arm, their difference, and the noise:
// the difference between the medians of A's even and odd repeats (an A/A
// comparison of the same size). Run it once:
//
//	go test -run '^$' -bench SamplerOverhead -benchtime 1x ./runner/gpu
func BenchmarkSamplerOverhead(b *testing.B) {
	path, source := ort.FindLibrary("", os.Getenv)
	if path == "" {
		b.Skipf("ONNX Runtime library not found (set %s or run make setup)", ort.LibraryEnv)
	}
	if err := ort.Load(path, source); err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(overheadModel); err != nil {
		b.Skipf("%s absent: real test data not available", overheadModel)
	}
	specs, err := runner.Plan{Models: []string{overheadModel}, Provider: "cpu"}.Specs()
	if err != nil {
		b.Fatal(err)
	}
	busy := gpu.Reading{
		Valid: gpu.AllFields, GPUUtilPct: 96, SMClockMHz: 1695, MemClockMHz: 6251,
		PowerMW: 148000, PowerLimitMW: 150000, TempC: 70, MemUsedBytes: 1 << 30, PCIeGen: 4, PCIeWidth: 16,
		Processes: []gpu.Process{{PID: uint32(os.Getpid())}},
	}
	fake := &gpu.Fake{Cost: readCost, Devices: []*gpu.FakeDevice{{Readings: []gpu.Reading{busy}}}}
	if err := fake.Open(); err != nil {
		b.Fatal(err)
	}
	const pairs = 10
	opt := runner.DefaultOptions()
	opt.Count = 2 * pairs
	opt.Benchtime = runner.Amount{Duration: 2 * time.Second}
	opt.Telemetry = func(int) runner.Sampler {
		return &alternating{s: gpu.NewSampler(fake, 0, gpu.Options{})}
	}
	for range b.N {
		f, err := runner.Run(context.Background(), specs, opt)
		if err != nil {
			b.Fatal(err)
		}
		var off, on []float64
		var costMS float64
		for i, r := range f.Cases[0].Repeats {
			if i%2 == 1 {
				on = append(on, r.FPS)
				costMS += r.Telemetry.SamplerCostMS
			} else {
				off = append(off, r.FPS)
			}
		}
		var offEven, offOdd []float64
		for i, v := range off {
			if i%2 == 0 {
				offEven = append(offEven, v)
			} else {
				offOdd = append(offOdd, v)
			}
		}
		mOff, mOn := median(off), median(on)
		b.ReportMetric(mOff, "fps-off")
		b.ReportMetric(mOn, "fps-on")
		b.ReportMetric(100*(mOn-mOff)/mOff, "delta-%")
		b.ReportMetric(100*(median(offOdd)-median(offEven))/mOff, "noise-AA-%")
		b.ReportMetric(100*(slices.Max(off)-slices.Min(off))/mOff, "range-off-%")
		b.ReportMetric(costMS/float64(len(on)), "sampler-ms/repeat")
		b.Logf("off %v", off)
		b.Logf("on  %v", on)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
