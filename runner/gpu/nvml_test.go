package gpu

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

// TestNVMLWithoutLibrary loads go-nvml for real from a path that exists
// nowhere: the dlopen failure must become "unavailable" with the reason,
// never a crash, and every later call must stay safe.
func TestNVMLWithoutLibrary(t *testing.T) {
	n := NewNVML("/nonexistent/libnvidia-ml.so.1")
	err := n.Open()
	reason := Unavailable(err)
	if !strings.Contains(reason, "no NVML library") || !strings.Contains(reason, "/nonexistent/libnvidia-ml.so.1") {
		t.Fatalf("Open() = %v; want an unavailable error naming the library", err)
	}
	if _, err := n.DeviceCount(); Unavailable(err) == "" {
		t.Errorf("DeviceCount after a failed Open = %v, want unavailable", err)
	}
	if _, err := n.Read(0); Unavailable(err) == "" {
		t.Errorf("Read after a failed Open = %v, want unavailable", err)
	}
	if _, err := n.Info(0); Unavailable(err) == "" {
		t.Errorf("Info after a failed Open = %v, want unavailable", err)
	}
	if n.ProcessName(1) != "" {
		t.Error("ProcessName after a failed Open is not empty")
	}
	if err := n.Close(); err != nil {
		t.Errorf("Close after a failed Open = %v", err)
	}
}

// openRealNVML opens this machine's NVML, or skips the test with the
// reason there is none.
func openRealNVML(t *testing.T) *NVML {
	t.Helper()
	n := NewNVML(os.Getenv(LibraryEnv))
	if err := n.Open(); err != nil {
		if r := Unavailable(err); r != "" {
			t.Skip("no GPU here: " + r)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestRealNVML runs against the machine's own NVML; it needs an NVIDIA
// driver and GPU.
func TestRealNVML(t *testing.T) {
	n := openRealNVML(t)
	gpus, err := Fingerprint(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gpus {
		t.Logf("gpu %d: %+v", g.Index, g)
		if g.Name == "" || !strings.HasPrefix(g.UUID, "GPU-") || g.MemoryMiB < 1024 || g.DriverVersion == "" {
			t.Errorf("implausible fingerprint %+v", g)
		}
	}
	r, err := n.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reading: %+v, missing %v", r, r.Valid.Missing(AllFields))
	if r.Valid&FieldSMClock != 0 && (r.SMClockMHz < 100 || r.SMClockMHz > 4000) {
		t.Errorf("SM clock %d MHz is implausible", r.SMClockMHz)
	}
	if r.Valid&FieldMemUsed == 0 {
		t.Error("no memory reading")
	}
}

func TestNVMLOpenFailures(t *testing.T) {
	tests := []struct {
		ret   nvml.Return
		count int
		want  string
	}{
		{nvml.ERROR_LIBRARY_NOT_FOUND, 0, "no NVML library (libnvidia-ml.so.1 could not be loaded"},
		{nvml.ERROR_DRIVER_NOT_LOADED, 0, "kernel driver is not loaded"},
		{nvml.ERROR_NO_PERMISSION, 0, "may not open /dev/nvidia*"},
		{nvml.ERROR_LIB_RM_VERSION_MISMATCH, 0, "versions differ"},
		{nvml.ERROR_UNKNOWN, 0, "NVML init failed: ERROR_UNKNOWN"},
		{nvml.SUCCESS, 0, "NVML loaded but it sees no GPU"},
	}
	for _, tt := range tests {
		t.Run(tt.ret.Error(), func(t *testing.T) {
			shut := 0
			lib := &mock.Interface{
				InitFunc:     func() nvml.Return { return tt.ret },
				ShutdownFunc: func() nvml.Return { shut++; return nvml.SUCCESS },
				ExtensionsFunc: func() nvml.ExtendedInterface {
					return &mock.ExtendedInterface{LookupSymbolFunc: func(string) error { return nil }}
				},
				DeviceGetCountFunc: func() (int, nvml.Return) { return tt.count, nvml.SUCCESS },
			}
			err := newNVML(lib, DefaultNVMLLibrary).Open()
			if r := Unavailable(err); !strings.Contains(r, tt.want) {
				t.Errorf("Open() = %v, want reason containing %q", err, tt.want)
			}
			if tt.ret == nvml.SUCCESS && shut != 1 {
				t.Errorf("NVML initialized without a GPU was shut down %d times, want 1", shut)
			}
		})
	}
}

// TestNVMLFingerprint describes a mock DGX H100 (go-nvml's own model of
// one) through the real adapter.
func TestNVMLFingerprint(t *testing.T) {
	dgx := dgxh100.New()
	for _, d := range dgx.Devices {
		d := d.(*server.Device)
		d.GetPersistenceModeFunc = func() (nvml.EnableState, nvml.Return) { return nvml.FEATURE_ENABLED, nvml.SUCCESS }
		d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 700000, nvml.SUCCESS }
		d.GetApplicationsClockFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
			if c == nvml.CLOCK_SM {
				return 1755, nvml.SUCCESS
			}
			return 2619, nvml.SUCCESS
		}
		d.GetMaxClockInfoFunc = func(nvml.ClockType) (uint32, nvml.Return) { return 1980, nvml.SUCCESS }
	}
	n := newNVML(dgx, DefaultNVMLLibrary)
	if err := n.Open(); err != nil {
		t.Fatal(err)
	}
	gpus, err := Fingerprint(n)
	if err != nil {
		t.Fatal(err)
	}
	if len(gpus) != 8 {
		t.Fatalf("%d gpus, want 8", len(gpus))
	}
	want := results.GPU{
		Index: 3, Name: "NVIDIA H100 80GB HBM3", UUID: dgx.Devices[3].(*server.Device).UUID,
		MemoryMiB: 81920, ComputeCapability: "9.0", DriverVersion: "550.54.15", CUDADriverVersion: "12.4",
		PersistenceMode: true, PowerLimitW: 700, AppSMClockMHz: 1755, AppMemClockMHz: 2619,
	}
	if diff := cmp.Diff(want, gpus[3]); diff != "" {
		t.Errorf("gpu 3 (-want +got):\n%s", diff)
	}
	if p := (results.Fingerprint{GPUs: gpus}).Profile(3, 0); p != "gpu=NVIDIA H100 80GB HBM3" {
		t.Errorf("profile = %q", p)
	}
	if err := n.Close(); err != nil {
		t.Error(err)
	}
}

// mockDevice returns a device whose every telemetry call succeeds with
// fixed values; tests then break single calls.
func mockDevice() *mock.Device {
	return &mock.Device{
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 97, Memory: 41}, nvml.SUCCESS
		},
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			return nvml.Memory{Total: 24 << 30, Used: 2 << 30}, nvml.SUCCESS
		},
		GetClockInfoFunc: func(c nvml.ClockType) (uint32, nvml.Return) {
			if c == nvml.CLOCK_SM {
				return 1695, nvml.SUCCESS
			}
			return 6251, nvml.SUCCESS
		},
		GetPowerUsageFunc:                func() (uint32, nvml.Return) { return 148500, nvml.SUCCESS },
		GetEnforcedPowerLimitFunc:        func() (uint32, nvml.Return) { return 150000, nvml.SUCCESS },
		GetTemperatureFunc:               func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 70, nvml.SUCCESS },
		GetTotalEnergyConsumptionFunc:    func() (uint64, nvml.Return) { return 123456, nvml.SUCCESS },
		GetCurrentClocksEventReasonsFunc: func() (uint64, nvml.Return) { return ReasonSWPowerCap, nvml.SUCCESS },
		GetCurrPcieLinkGenerationFunc:    func() (int, nvml.Return) { return 4, nvml.SUCCESS },
		GetCurrPcieLinkWidthFunc:         func() (int, nvml.Return) { return 16, nvml.SUCCESS },
		GetComputeRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) {
			return []nvml.ProcessInfo{{Pid: 10, UsedGpuMemory: 1 << 20}}, nvml.SUCCESS
		},
		GetGraphicsRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) {
			return []nvml.ProcessInfo{{Pid: 10, UsedGpuMemory: 2 << 20}, {Pid: 11, UsedGpuMemory: ^uint64(0)}}, nvml.SUCCESS
		},
	}
}

func mockLib(dev nvml.Device, missing ...string) *mock.Interface {
	return &mock.Interface{
		InitFunc:     func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc: func() nvml.Return { return nvml.SUCCESS },
		ExtensionsFunc: func() nvml.ExtendedInterface {
			return &mock.ExtendedInterface{LookupSymbolFunc: func(s string) error {
				for _, m := range missing {
					if m == s {
						return errors.New("undefined symbol: " + s)
					}
				}
				return nil
			}}
		},
		DeviceGetCountFunc:         func() (int, nvml.Return) { return 1, nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(int) (nvml.Device, nvml.Return) { return dev, nvml.SUCCESS },
		SystemGetProcessNameFunc:   func(pid int) (string, nvml.Return) { return "/usr/bin/python3", nvml.SUCCESS },
	}
}

func TestNVMLRead(t *testing.T) {
	dev := mockDevice()
	n := newNVML(mockLib(dev), DefaultNVMLLibrary)
	if err := n.Open(); err != nil {
		t.Fatal(err)
	}
	r, err := n.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	r.At = r.At.UTC().Truncate(0)
	want := Reading{
		Valid: AllFields, At: r.At,
		GPUUtilPct: 97, MemUtilPct: 41, MemUsedBytes: 2 << 30, SMClockMHz: 1695, MemClockMHz: 6251,
		PowerMW: 148500, PowerLimitMW: 150000, TempC: 70, EnergyMJ: 123456, Reasons: ReasonSWPowerCap,
		PCIeGen: 4, PCIeWidth: 16,
		Processes: []Process{{PID: 10, UsedBytes: 2 << 20}, {PID: 11}},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("reading (-want +got):\n%s", diff)
	}
	if got := n.ProcessName(10); got != "/usr/bin/python3" {
		t.Errorf("process name = %q", got)
	}
}

func TestNVMLOlderDriver(t *testing.T) {
	dev := mockDevice()
	dev.GetCurrentClocksEventReasonsFunc = nil // calling it would panic the test
	dev.GetCurrentClocksThrottleReasonsFunc = func() (uint64, nvml.Return) { return ReasonHWSlowdown, nvml.SUCCESS }
	dev.GetTotalEnergyConsumptionFunc = nil
	n := newNVML(mockLib(dev, symEventReasons, symEnergy), DefaultNVMLLibrary)
	if err := n.Open(); err != nil {
		t.Fatal(err)
	}
	r, err := n.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Reasons != ReasonHWSlowdown || r.Valid&FieldReasons == 0 {
		t.Errorf("reasons = %#x (valid %v), want the throttle-reasons fallback", r.Reasons, r.Valid&FieldReasons != 0)
	}
	if diff := cmp.Diff([]string{"energy"}, r.Valid.Missing(AllFields)); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestNVMLUnsupportedMetricsAreNotAskedAgain(t *testing.T) {
	dev := mockDevice()
	dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	n := newNVML(mockLib(dev), DefaultNVMLLibrary)
	n.Open()
	for range 3 {
		r, err := n.Read(0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"power"}, r.Valid.Missing(AllFields)); diff != "" {
			t.Errorf("missing (-want +got):\n%s", diff)
		}
	}
	if c := len(dev.GetPowerUsageCalls()); c != 1 {
		t.Errorf("unsupported power asked %d times, want 1", c)
	}
}

func TestNVMLGPULost(t *testing.T) {
	dev := mockDevice()
	dev.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_GPU_IS_LOST }
	n := newNVML(mockLib(dev), DefaultNVMLLibrary)
	n.Open()
	_, err := n.Read(0)
	if !errors.Is(err, ErrDeviceLost) {
		t.Fatalf("Read = %v, want ErrDeviceLost", err)
	}
	// Once lost, the rest of the reading is not attempted.
	if c := len(dev.GetClockInfoCalls()); c != 0 {
		t.Errorf("clocks read %d times after the loss", c)
	}
	dev.GetNameFunc = func() (string, nvml.Return) { return "", nvml.ERROR_GPU_IS_LOST }
	if _, err := n.Info(0); !errors.Is(err, ErrDeviceLost) {
		t.Errorf("Info = %v, want ErrDeviceLost", err)
	}
}

// TestRealSampler samples the real GPU 0 for two seconds, as during one
// repeat, and checks that the summary is plausible for any NVIDIA card;
// the values are logged for the record. It needs a machine with a GPU.
func TestRealSampler(t *testing.T) {
	n := openRealNVML(t)
	info, err := n.Info(0)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSampler(n, 0, Options{})
	s.Start()
	time.Sleep(2 * time.Second)
	tel := s.Stop(1)
	t.Logf("%s: %+v", info.Name, *tel)
	if !tel.Available || tel.Samples < 10 {
		t.Fatalf("telemetry %+v: want at least 10 readings in 2 s", *tel)
	}
	memMiB := float64(info.MemoryBytes) / (1 << 20)
	checks := []struct {
		name   string
		ok     bool
		detail string
	}{
		{"SM clock", tel.SMClockMeanMHz >= 100 && tel.SMClockMaxMHz <= 4000, fmt.Sprintf("%.0f..%.0f MHz", tel.SMClockMinMHz, tel.SMClockMaxMHz)},
		{"memory clock", tel.MemClockMeanMHz >= 100 && tel.MemClockMeanMHz <= 20000, fmt.Sprintf("%.0f MHz", tel.MemClockMeanMHz)},
		{"memory used", tel.MemUsedMaxMiB > 0 && tel.MemUsedMaxMiB <= memMiB, fmt.Sprintf("%.0f of %.0f MiB", tel.MemUsedMaxMiB, memMiB)},
		{"power", tel.PowerMeanW > 0 && (tel.PowerLimitW == 0 || tel.PowerMaxW <= 1.5*tel.PowerLimitW), fmt.Sprintf("%.1f W mean, %.1f W max, limit %.0f W", tel.PowerMeanW, tel.PowerMaxW, tel.PowerLimitW)},
		{"temperature", tel.TempMaxC == 0 || tel.TempMaxC > 5 && tel.TempMaxC < 110, fmt.Sprintf("%.0f °C", tel.TempMaxC)},
		{"utilization", tel.GPUUtilMaxPct <= 100, fmt.Sprintf("%.0f%% mean, %.0f%% max", tel.GPUUtilMeanPct, tel.GPUUtilMaxPct)},
		{"energy", tel.EnergyJ == 0 || tel.EnergyJ > 0 && tel.EnergyJ < 2*1.5*tel.PowerMaxW+1, fmt.Sprintf("%.1f J in 2 s", tel.EnergyJ)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s implausible: %s", c.name, c.detail)
		} else {
			t.Logf("%s: %s", c.name, c.detail)
		}
	}
}
