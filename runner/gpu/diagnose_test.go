package gpu

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

func repeats(tels ...results.Telemetry) []results.Repeat {
	out := make([]results.Repeat, len(tels))
	for i := range tels {
		out[i].Telemetry = &tels[i]
	}
	return out
}

func tel(util, cpu, sm float64, reasons ...string) results.Telemetry {
	return results.Telemetry{Available: true, Samples: 10, GPUUtilMeanPct: util, ProcessCPUPct: cpu, SMClockMeanMHz: sm, ThrottleReasons: reasons}
}

func TestDiagnose(t *testing.T) {
	a10 := &results.GPU{Name: "NVIDIA A10", AppSMClockMHz: 1695}
	tests := []struct {
		name string
		reps []results.Repeat
		gpu  *results.GPU
		want []string
	}{
		{
			name: "compute-bound at full clocks",
			reps: repeats(tel(97, 100, 1695), tel(96, 100, 1695), tel(10, 100, 1695)),
			gpu:  a10,
			want: []string{"compute-bound: the GPU was busy 96% of the time; a faster engine (TensorRT, fp16, int8) or a faster GPU raises FPS"},
		},
		{
			name: "compute-bound and power-capped",
			reps: repeats(tel(98, 100, 1410, "sw_power_cap"), tel(98, 100, 1395)),
			gpu:  a10,
			want: []string{
				"compute-bound: the GPU was busy 98% of the time; a faster engine (TensorRT, fp16, int8) or a faster GPU raises FPS",
				"throttled: SM clock 1402 MHz, below the 1695 MHz application clock (sw_power_cap seen)",
			},
		},
		{
			name: "host-bound",
			reps: repeats(tel(31, 180, 1695), tel(29, 170, 1695)),
			gpu:  a10,
			want: []string{"host-bound: the GPU was busy only 30% of the time while yologate kept 1.8 CPU cores busy; pre/post-processing, host-device copies or kernel launches limit FPS"},
		},
		{
			name: "idle clocks of a waiting GPU are not throttling",
			reps: repeats(tel(20, 30, 900, "gpu_idle")),
			gpu:  a10,
			want: []string{"latency-bound: the GPU was busy only 20% of the time and the host was mostly idle; synchronization dominates, a larger --batch would use the GPU better"},
		},
		{
			name: "mixed without a fingerprint",
			reps: repeats(tel(70, 100, 1200)),
			want: []string{"mixed: the GPU was busy 70% of the time; part compute, part host work or synchronization"},
		},
		{
			name: "no telemetry",
			reps: repeats(results.Telemetry{Reason: "no NVML library"}),
			want: []string{"no GPU telemetry (no NVML library): bottleneck unknown"},
		},
		{
			name: "no repeats",
			want: []string{"no GPU telemetry (no samples): bottleneck unknown"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &results.Case{Repeats: tt.reps}
			if diff := cmp.Diff(tt.want, Diagnose(c, tt.gpu)); diff != "" {
				t.Errorf("diagnosis (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFingerprintFake(t *testing.T) {
	f := &Fake{Devices: []*FakeDevice{
		{Info: Info{Name: "NVIDIA A10", UUID: "GPU-a", MemoryBytes: 23028 << 20, CCMajor: 8, CCMinor: 6, PowerLimitMW: 150000, AppSMClockMHz: 1695, AppMemClockMHz: 6251, DriverVersion: "550.54.15", CUDADriverVersion: "12.4"}},
		{Info: Info{Name: "NVIDIA A100-SXM4-40GB", UUID: "GPU-b", MemoryBytes: 40960 << 20, CCMajor: 8, MIG: true, Persistence: true}},
	}}
	if err := f.Open(); err != nil {
		t.Fatal(err)
	}
	got, err := Fingerprint(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []results.GPU{
		{Index: 0, Name: "NVIDIA A10", UUID: "GPU-a", MemoryMiB: 23028, ComputeCapability: "8.6", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", PowerLimitW: 150, AppSMClockMHz: 1695, AppMemClockMHz: 6251},
		{Index: 1, Name: "NVIDIA A100-SXM4-40GB", UUID: "GPU-b", MemoryMiB: 40960, ComputeCapability: "8.0", MIG: true, PersistenceMode: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fingerprint (-want +got):\n%s", diff)
	}

	// A device that is gone cannot be described: an environment error.
	f.Devices[1].LostAfter = 1
	f.Read(1)
	if _, err := Fingerprint(f); errs.KindOf(err) != errs.Env {
		t.Errorf("fingerprint of a lost device = %v, want an environment error", err)
	}
}

func TestParseDevices(t *testing.T) {
	tests := []struct {
		flag  string
		count int
		want  []int
		kind  errs.Kind
	}{
		{"0", 1, []int{0}, 0},
		{"all", 4, []int{0, 1, 2, 3}, 0},
		{"2,0,2", 4, []int{0, 2}, 0},
		{" 1 ", 2, []int{1}, 0},
		{"all", 0, nil, errs.Env},
		{"1", 1, nil, errs.Env},
		{"0", 0, nil, errs.Env},
		{"-1", 2, nil, errs.Usage},
		{"gpu0", 2, nil, errs.Usage},
		{"", 2, nil, errs.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			got, err := ParseDevices(tt.flag, tt.count)
			if errs.KindOf(err) != tt.kind || (err == nil) != (tt.kind == 0) {
				t.Fatalf("ParseDevices(%q, %d) error = %v, want kind %v", tt.flag, tt.count, err, tt.kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("devices (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCUDAVersionString(t *testing.T) {
	for v, want := range map[int]string{12040: "12.4", 11080: "11.8", 13000: "13.0", 0: ""} {
		if got := CUDAVersionString(v); got != want {
			t.Errorf("CUDAVersionString(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestMonitor(t *testing.T) {
	m := NewMonitor(&Fake{OpenErr: &UnavailableError{Reason: "no NVML library"}})
	if m.Reason() != "no NVML library" {
		t.Errorf("reason = %q", m.Reason())
	}
	if g, err := m.GPUs(); g != nil || err != nil {
		t.Errorf("GPUs without NVML = %v, %v", g, err)
	}
	s := m.Sampler(0, Options{})
	s.Start()
	if tel := s.Stop(1); tel.Available || tel.Reason != "no NVML library" {
		t.Errorf("telemetry = %+v", tel)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}

	f := &Fake{Devices: []*FakeDevice{{Info: Info{Name: "NVIDIA L4"}, Readings: []Reading{busy()}}}}
	m = NewMonitor(f)
	gpus, err := m.GPUs()
	if err != nil || len(gpus) != 1 || gpus[0].Name != "NVIDIA L4" {
		t.Errorf("GPUs = %v, %v", gpus, err)
	}
	s = m.Sampler(0, Options{Interval: time.Hour})
	s.Start()
	if tel := s.Stop(1); !tel.Available || tel.Samples != 2 {
		t.Errorf("telemetry = %+v", tel)
	}
	cpu := m.Sampler(-1, Options{})
	cpu.Start()
	if tel := cpu.Stop(1); tel.Available || !strings.HasPrefix(tel.Reason, "cpu provider") {
		t.Errorf("cpu telemetry = %+v", tel)
	}
	if f.Reads(0) != 2 {
		t.Errorf("reads = %d, want 2", f.Reads(0))
	}
	m.Close()
}

func FuzzParseDevices(f *testing.F) {
	for _, s := range []string{"0", "all", "0,1", " 2 ", "", "-1", "1,,2", "99999999999999999999"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, s string, count int) {
		count = count % 64
		got, err := ParseDevices(s, count)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Usage && k != errs.Env {
				t.Fatalf("ParseDevices(%q, %d): error of kind %v: %v", s, count, k, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseDevices(%q, %d) = no devices and no error", s, count)
		}
		for i, d := range got {
			if d < 0 || d >= count || (i > 0 && got[i-1] >= d) {
				t.Fatalf("ParseDevices(%q, %d) = %v: out of range or unsorted", s, count, got)
			}
		}
	})
}
