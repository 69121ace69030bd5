package gpu

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yologate/yologate/runner/results"
)

const selfPID = 777

// busy is a reading of a loaded A10-like GPU.
func busy() Reading {
	return Reading{
		Valid:      AllFields,
		GPUUtilPct: 96, MemUtilPct: 40,
		MemUsedBytes: 1536 << 20,
		SMClockMHz:   1695, MemClockMHz: 6251,
		PowerMW: 148000, PowerLimitMW: 150000,
		TempC:     71,
		PCIeGen:   4,
		PCIeWidth: 16,
		Processes: []Process{{PID: selfPID, UsedBytes: 900 << 20}},
	}
}

func withEnergy(r Reading, mj uint64) Reading { r.EnergyMJ = mj; return r }

// waitReads waits until device 0 of f was read at least n times; it fails
// the test after a generous deadline rather than timing anything.
func waitReads(t *testing.T, f *Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.Reads(0) < n {
		if time.Now().After(deadline) {
			t.Fatalf("sampler read the device %d times, want >= %d", f.Reads(0), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func fakeCPU(times ...time.Duration) func() time.Duration {
	i := 0
	return func() time.Duration {
		v := times[min(i, len(times)-1)]
		i++
		return v
	}
}

func TestSamplerSummarizesARepeat(t *testing.T) {
	throttled := busy()
	throttled.SMClockMHz = 1395
	throttled.Reasons = ReasonSWPowerCap | ReasonGPUIdle
	f := &Fake{Devices: []*FakeDevice{{Readings: []Reading{
		withEnergy(busy(), 1_000_000),
		withEnergy(throttled, 1_050_000),
		withEnergy(busy(), 1_100_000),
	}}}}
	if err := f.Open(); err != nil {
		t.Fatal(err)
	}
	s := NewSampler(f, 0, Options{Interval: time.Millisecond, PID: selfPID})
	s.Start()
	waitReads(t, f, 3)
	tel := s.Stop(1000)

	if !tel.Available || tel.Samples < 4 {
		t.Fatalf("telemetry = %+v, want available with >= 4 samples (start, 2 ticks, stop)", tel)
	}
	if tel.SMClockMinMHz != 1395 || tel.SMClockMaxMHz != 1695 {
		t.Errorf("sm clock min/max = %v/%v, want 1395/1695", tel.SMClockMinMHz, tel.SMClockMaxMHz)
	}
	if tel.EnergyJ != 100 || tel.JoulesPerFrame != 0.1 {
		t.Errorf("energy = %v J, %v J/frame; want 100 J, 0.1 J/frame (counter 1000000 -> 1100000 mJ over 1000 frames)", tel.EnergyJ, tel.JoulesPerFrame)
	}
	if diff := cmp.Diff([]string{"sw_power_cap"}, tel.ThrottleReasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if tel.GPUUtilMaxPct != 96 || tel.PowerLimitW != 150 || tel.TempMaxC != 71 || tel.MemUsedMaxMiB != 1536 || tel.PCIeLink != "gen4 x16" {
		t.Errorf("summary = %+v", tel)
	}
	if len(tel.Series) != tel.Samples || tel.Series[0].TMS < 0 {
		t.Errorf("series has %d points for %d samples", len(tel.Series), tel.Samples)
	}
	if len(tel.ForeignProcesses) != 0 || len(tel.Unsupported) != 0 || tel.DeviceLost {
		t.Errorf("unexpected foreign/unsupported/lost: %+v", tel)
	}
	want := []string{"throttled: gpu 0 sw_power_cap"}
	if diff := cmp.Diff(want, Marks(tel, 0)); diff != "" {
		t.Errorf("marks (-want +got):\n%s", diff)
	}
}

func TestSamplerReusedAcrossRepeats(t *testing.T) {
	f := &Fake{Devices: []*FakeDevice{{Readings: []Reading{busy()}}}}
	f.Open()
	s := NewSampler(f, 0, Options{Interval: time.Hour, PID: selfPID})
	for i := range 3 {
		s.Start()
		tel := s.Stop(10)
		// With an hour-long interval only the start and stop readings exist.
		if tel.Samples != 2 || !tel.Available {
			t.Fatalf("repeat %d: %d samples, available %v; want 2, true", i, tel.Samples, tel.Available)
		}
	}
	if f.Reads(0) != 6 {
		t.Errorf("reads = %d, want 6", f.Reads(0))
	}
}

func TestSamplerDeviceLostMidRun(t *testing.T) {
	f := &Fake{Devices: []*FakeDevice{{Readings: []Reading{busy()}, LostAfter: 3}}}
	f.Open()
	s := NewSampler(f, 0, Options{Interval: time.Millisecond, PID: selfPID})
	s.Start()
	waitReads(t, f, 4) // the fourth read finds the device gone
	tel := s.Stop(100)
	if !tel.DeviceLost || !tel.Available || tel.Samples != 3 {
		t.Fatalf("telemetry = %+v; want lost, available, 3 samples before the loss", tel)
	}
	if diff := cmp.Diff([]string{"gpu lost: gpu 0"}, Marks(tel, 0)); diff != "" {
		t.Errorf("marks (-want +got):\n%s", diff)
	}
	reads := f.Reads(0)

	// The next repeat does not touch the device again and is still marked.
	s.Start()
	tel = s.Stop(100)
	if !tel.DeviceLost || tel.Available || tel.Reason != "gpu lost before this repeat" {
		t.Errorf("next repeat = %+v; want lost, unavailable", tel)
	}
	if f.Reads(0) != reads {
		t.Errorf("device read %d more times after it was lost", f.Reads(0)-reads)
	}
	if k := results.MarkKind(Marks(tel, 0)[0]); k != results.MarkGPULost {
		t.Errorf("mark kind = %q", k)
	}
}

func TestSamplerForeignProcesses(t *testing.T) {
	with := func(pids ...uint32) Reading {
		r := busy()
		r.Processes = nil
		for _, p := range pids {
			r.Processes = append(r.Processes, Process{PID: p})
		}
		return r
	}
	tests := []struct {
		name     string
		readings []Reading
		want     []string
	}{
		{"only this process", []Reading{with(selfPID)}, nil},
		{"another process appears", []Reading{with(selfPID), with(selfPID, 4242)}, []string{"pid 4242 python3"}},
		{"unnamed process", []Reading{with(selfPID, 99)}, []string{"pid 99"}},
		// Inside a container NVML reports host pids: one unknown pid is this process.
		{"container, alone", []Reading{with(31337)}, nil},
		{"container, shared", []Reading{with(31337, 4242)}, []string{"pid 31337", "pid 4242 python3"}},
		{"no processes", []Reading{with()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Fake{Devices: []*FakeDevice{{Readings: tt.readings}}, Names: map[uint32]string{4242: "python3"}}
			f.Open()
			s := NewSampler(f, 0, Options{Interval: time.Hour, PID: selfPID})
			s.Start()
			tel := s.Stop(1)
			if diff := cmp.Diff(tt.want, tel.ForeignProcesses); diff != "" {
				t.Errorf("foreign (-want +got):\n%s", diff)
			}
			marks := Marks(tel, 1)
			if (len(tt.want) > 0) != (len(marks) == 1 && strings.HasPrefix(marks[0], results.MarkForeignProcess+": gpu 1 ")) {
				t.Errorf("marks = %q", marks)
			}
		})
	}
}

func TestUnavailableSamplerMeasuresCPU(t *testing.T) {
	s := UnavailableSampler("no NVML library", Options{CPUTime: fakeCPU(0, 150*time.Millisecond)})
	s.Start()
	time.Sleep(2 * time.Millisecond)
	tel := s.Stop(10)
	if tel.Available || tel.Reason != "no NVML library" || tel.Samples != 0 {
		t.Errorf("telemetry = %+v", tel)
	}
	if tel.ProcessCPUPct <= 0 {
		t.Errorf("process cpu = %v, want > 0", tel.ProcessCPUPct)
	}
	if Marks(tel, 0) != nil {
		t.Errorf("unavailable telemetry earned marks %q", Marks(tel, 0))
	}
}

func TestSamplerKeepsGoingPastAReadError(t *testing.T) {
	src := &flaky{Fake: Fake{Devices: []*FakeDevice{{Readings: []Reading{busy()}}}}}
	src.Open()
	s := NewSampler(src, 0, Options{Interval: time.Hour, PID: selfPID})
	s.Start()
	tel := s.Stop(1)
	if !tel.Available || tel.Samples != 1 || tel.DeviceLost {
		t.Errorf("telemetry = %+v; want the one good reading", tel)
	}
}

// flaky fails its first read with a transient error.
type flaky struct {
	Fake
	failed bool
}

func (f *flaky) Read(i int) (Reading, error) {
	if !f.failed {
		f.failed = true
		return Reading{}, errors.New("nvml: ERROR_UNKNOWN")
	}
	return f.Fake.Read(i)
}

func TestSummarize(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(r Reading, ms int) Reading { r.At = t0.Add(time.Duration(ms) * time.Millisecond); return r }
	partial := Reading{Valid: FieldSMClock | FieldUtil, GPUUtilPct: 30, SMClockMHz: 1200}
	narrow := busy()
	narrow.PCIeGen, narrow.PCIeWidth = 1, 16
	hot := busy()
	hot.TempC, hot.Reasons = 88, ReasonSWThermal|ReasonHWSlowdown
	tests := []struct {
		name     string
		readings []Reading
		frames   int
		want     results.Telemetry
	}{
		{
			name: "no readings",
			want: results.Telemetry{Available: true, SampleIntervalMS: 100, Unsupported: Field(0).Missing(AllFields)},
		},
		{
			name:     "partial device: only clocks and utilization",
			readings: []Reading{at(partial, 0), at(partial, 100)},
			want: results.Telemetry{
				Available: true, SampleIntervalMS: 100, Samples: 2,
				GPUUtilMeanPct: 30, GPUUtilMaxPct: 30, SMClockMeanMHz: 1200, SMClockMinMHz: 1200, SMClockMaxMHz: 1200,
				Unsupported: []string{"memory", "mem_clock", "power", "power_limit", "temperature", "energy", "clock_event_reasons", "pcie_link", "processes"},
				Series:      []results.TelemetrySample{{TMS: 0, GPUUtilPct: 30, SMClockMHz: 1200}, {TMS: 100, GPUUtilPct: 30, SMClockMHz: 1200}},
			},
		},
		{
			name:     "thermal slowdown, link downgraded, energy counter",
			readings: []Reading{at(withEnergy(busy(), 5000), 0), at(withEnergy(hot, 6000), 100), at(withEnergy(narrow, 8000), 200)},
			frames:   30,
			want: results.Telemetry{
				Available: true, SampleIntervalMS: 100, Samples: 3,
				GPUUtilMeanPct: 96, GPUUtilMaxPct: 96, MemUtilMeanPct: 40, MemUsedMaxMiB: 1536,
				SMClockMeanMHz: 1695, SMClockMinMHz: 1695, SMClockMaxMHz: 1695, MemClockMeanMHz: 6251,
				PowerMeanW: 148, PowerMaxW: 148, PowerLimitW: 150, TempMaxC: 88,
				EnergyJ: 3, JoulesPerFrame: 0.1,
				ThrottleReasons: []string{"hw_slowdown", "sw_thermal"},
				PCIeLink:        "gen1 x16",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.readings, t0, tt.frames, DefaultInterval)
			opts := []cmp.Option{cmpopts.EquateEmpty()}
			if tt.want.Series == nil {
				// The series is checked by length only here.
				if len(got.Series) != len(tt.readings) {
					t.Errorf("series has %d points, want %d", len(got.Series), len(tt.readings))
				}
				opts = append(opts, cmpopts.IgnoreFields(results.Telemetry{}, "Series"))
			}
			if diff := cmp.Diff(&tt.want, got, opts...); diff != "" {
				t.Errorf("telemetry (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarizeThinsLongSeries(t *testing.T) {
	readings := make([]Reading, 2*MaxSeries+1)
	for i := range readings {
		readings[i] = busy()
	}
	got := Summarize(readings, time.Now(), 0, DefaultInterval)
	if got.Samples != len(readings) || len(got.Series) > MaxSeries {
		t.Errorf("samples %d, series %d; want %d and <= %d", got.Samples, len(got.Series), len(readings), MaxSeries)
	}
}

func TestMarks(t *testing.T) {
	tests := []struct {
		name string
		tel  *results.Telemetry
		want []string
	}{
		{"nil", nil, nil},
		{"idle and app clocks are not throttling", &results.Telemetry{Available: true, ThrottleReasons: []string{"gpu_idle", "applications_clocks_setting", "sync_boost"}}, nil},
		{"power cap", &results.Telemetry{Available: true, ThrottleReasons: []string{"sw_power_cap"}}, []string{"throttled: gpu 2 sw_power_cap"}},
		{"every kind", &results.Telemetry{
			Available: true, ThrottleReasons: []string{"gpu_idle", "hw_slowdown", "hw_thermal", "hw_power_brake"},
			ForeignProcesses: []string{"pid 1 a", "pid 2 b"}, DeviceLost: true,
		}, []string{"throttled: gpu 2 hw_slowdown,hw_thermal,hw_power_brake", "foreign process: gpu 2 pid 1 a, pid 2 b", "gpu lost: gpu 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Marks(tt.tel, 2)); diff != "" {
				t.Errorf("marks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCaseMarks(t *testing.T) {
	repeats := []results.Repeat{
		{Marks: []string{"throttled: gpu 0 sw_power_cap", "foreign process: gpu 0 pid 1"}},
		{},
		{Marks: []string{"throttled: gpu 0 hw_slowdown"}},
	}
	want := []string{"foreign process: 1 of 3 repeats", "throttled: 2 of 3 repeats"}
	if diff := cmp.Diff(want, CaseMarks(repeats)); diff != "" {
		t.Errorf("case marks (-want +got):\n%s", diff)
	}
}

func TestReasonNames(t *testing.T) {
	got := ReasonNames(ReasonSWPowerCap | ReasonReliability | 1<<20)
	if diff := cmp.Diff([]string{"sw_power_cap", "reliability", "0x100000"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestProcessCPUTimeAdvances(t *testing.T) {
	// CPU time may be accounted in scheduler ticks: spin until it moves,
	// failing only if it never does.
	a := processCPUTime()
	for deadline := time.Now().Add(10 * time.Second); processCPUTime() <= a; {
		if time.Now().After(deadline) {
			t.Fatalf("process cpu time stuck at %v after 10 s of spinning", a)
		}
	}
}

func TestSamplerStopWithoutStart(t *testing.T) {
	s := UnavailableSampler("x", Options{})
	if tel := s.Stop(1); tel.Available {
		t.Errorf("telemetry = %+v", tel)
	}
	s.Start()
	s.Stop(1)
	if tel := s.Stop(1); tel.Available || tel.Reason == "x" {
		t.Errorf("second Stop = %+v, want the not-started telemetry", tel)
	}
}
