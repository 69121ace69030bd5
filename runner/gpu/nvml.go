package gpu

import (
	"fmt"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// DefaultNVMLLibrary is the library NewNVML loads when no path is given; the
// NVIDIA driver installs it, and the NVIDIA container toolkit mounts it into
// containers started with --gpus.
const DefaultNVMLLibrary = "libnvidia-ml.so.1"

// nvmlLib is the part of go-nvml's Interface the adapter calls. nvml.New()
// satisfies it, and so does go-nvml's mock package, which the tests use.
type nvmlLib interface {
	Init() nvml.Return
	Shutdown() nvml.Return
	DeviceGetCount() (int, nvml.Return)
	DeviceGetHandleByIndex(int) (nvml.Device, nvml.Return)
	SystemGetDriverVersion() (string, nvml.Return)
	SystemGetCudaDriverVersion() (int, nvml.Return)
	SystemGetProcessName(int) (string, nvml.Return)
	Extensions() nvml.ExtendedInterface
}

var _ nvmlLib = nvml.Interface(nil)

// Symbols that older drivers lack. go-nvml calls a missing symbol through
// a nil pointer (a crash, not an error), so each is looked up after Init and
// its call skipped, or replaced by the older call, when absent.
const (
	symEventReasons    = "nvmlDeviceGetCurrentClocksEventReasons"    // driver 535+
	symThrottleReasons = "nvmlDeviceGetCurrentClocksThrottleReasons" // its older name
	symEnergy          = "nvmlDeviceGetTotalEnergyConsumption"       // driver 410+, Volta+
	symMIGMode         = "nvmlDeviceGetMigMode"                      // driver 450+
	symCUDAVersion     = "nvmlSystemGetCudaDriverVersion"            // driver 410+
	// Deprecated in NVML 13: a driver that drops them loses the metric, not the run.
	symTemperature = "nvmlDeviceGetTemperature"
	symAppClocks   = "nvmlDeviceGetApplicationsClock"
)

var optionalSymbols = []string{symEventReasons, symThrottleReasons, symEnergy, symMIGMode, symCUDAVersion, symTemperature, symAppClocks}

// NVML is the Source backed by the NVIDIA Management Library through
// go-nvml. Its zero value is not usable; call NewNVML.
type NVML struct {
	lib  nvmlLib
	path string

	mu      sync.Mutex
	open    bool
	has     map[string]bool
	handles map[int]nvml.Device
	// unsupported remembers per device the metrics NVML said it cannot
	// report, so that later readings skip those calls.
	unsupported map[int]Field
}

var _ Source = (*NVML)(nil)

// NewNVML returns an NVML source that loads the library at path, or
// DefaultNVMLLibrary when path is "". Nothing is loaded until Open.
func NewNVML(path string) *NVML {
	if path == "" {
		path = DefaultNVMLLibrary
	}
	return newNVML(nvml.New(nvml.WithLibraryPath(path)), path)
}

func newNVML(lib nvmlLib, path string) *NVML {
	return &NVML{lib: lib, path: path}
}

// Open loads the library and initializes NVML. No library, no driver or no
// GPU is an *UnavailableError naming the reason.
func (n *NVML) Open() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.open {
		return nil
	}
	switch ret := n.lib.Init(); ret {
	case nvml.SUCCESS:
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return &UnavailableError{Reason: fmt.Sprintf("no NVML library (%s could not be loaded: no NVIDIA driver on this machine, or a container started without --gpus)", n.path)}
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return &UnavailableError{Reason: "NVML found but the NVIDIA kernel driver is not loaded"}
	case nvml.ERROR_NO_PERMISSION:
		return &UnavailableError{Reason: "NVML found but this user may not open /dev/nvidia*"}
	case nvml.ERROR_LIB_RM_VERSION_MISMATCH:
		return &UnavailableError{Reason: "NVML library and kernel driver versions differ (reboot or reload the driver)"}
	default:
		return &UnavailableError{Reason: "NVML init failed: " + ret.Error()}
	}
	n.has = map[string]bool{}
	ext := n.lib.Extensions()
	for _, s := range optionalSymbols {
		n.has[s] = ext != nil && ext.LookupSymbol(s) == nil
	}
	count, ret := n.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		n.lib.Shutdown()
		return &UnavailableError{Reason: "NVML cannot count GPUs: " + ret.Error()}
	}
	if count == 0 {
		n.lib.Shutdown()
		return &UnavailableError{Reason: "NVML loaded but it sees no GPU"}
	}
	n.open = true
	n.handles = map[int]nvml.Device{}
	n.unsupported = map[int]Field{}
	return nil
}

// Close shuts NVML down; it is safe to call when Open failed.
func (n *NVML) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.open {
		return nil
	}
	n.open = false
	if ret := n.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("nvml shutdown: %s", ret.Error())
	}
	return nil
}

// DeviceCount returns the number of GPUs NVML sees.
func (n *NVML) DeviceCount() (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.open {
		return 0, errNotOpen
	}
	count, ret := n.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return 0, fmt.Errorf("nvml device count: %s", ret.Error())
	}
	return count, nil
}

var errNotOpen = &UnavailableError{Reason: "NVML is not open"}

// handle returns device i's handle; n.mu is held.
func (n *NVML) handle(i int) (nvml.Device, error) {
	if !n.open {
		return nil, errNotOpen
	}
	if d, ok := n.handles[i]; ok {
		return d, nil
	}
	d, ret := n.lib.DeviceGetHandleByIndex(i)
	switch ret {
	case nvml.SUCCESS:
	case nvml.ERROR_GPU_IS_LOST:
		return nil, fmt.Errorf("%w: gpu %d", ErrDeviceLost, i)
	case nvml.ERROR_INVALID_ARGUMENT, nvml.ERROR_NOT_FOUND:
		return nil, fmt.Errorf("gpu %d: no such device", i)
	default:
		return nil, fmt.Errorf("gpu %d: %s", i, ret.Error())
	}
	n.handles[i] = d
	return d, nil
}

// Info describes device i.
func (n *NVML) Info(i int) (Info, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	d, err := n.handle(i)
	if err != nil {
		return Info{}, err
	}
	info := Info{Index: i}
	var lost bool
	ok := func(ret nvml.Return) bool {
		lost = lost || ret == nvml.ERROR_GPU_IS_LOST
		return ret == nvml.SUCCESS
	}
	if s, ret := d.GetName(); ok(ret) {
		info.Name = s
	} else if lost {
		return info, fmt.Errorf("%w: gpu %d", ErrDeviceLost, i)
	}
	if s, ret := d.GetUUID(); ok(ret) {
		info.UUID = s
	}
	if m, ret := d.GetMemoryInfo(); ok(ret) {
		info.MemoryBytes = m.Total
	}
	if major, minor, ret := d.GetCudaComputeCapability(); ok(ret) {
		info.CCMajor, info.CCMinor = major, minor
	}
	if n.has[symMIGMode] {
		if cur, _, ret := d.GetMigMode(); ok(ret) {
			info.MIG = cur == nvml.DEVICE_MIG_ENABLE
		}
	}
	if mode, ret := d.GetPersistenceMode(); ok(ret) {
		info.Persistence = mode == nvml.FEATURE_ENABLED
	}
	if mw, ret := d.GetEnforcedPowerLimit(); ok(ret) {
		info.PowerLimitMW = mw
	}
	if n.has[symAppClocks] {
		if mhz, ret := d.GetApplicationsClock(nvml.CLOCK_SM); ok(ret) {
			info.AppSMClockMHz = mhz
		}
		if mhz, ret := d.GetApplicationsClock(nvml.CLOCK_MEM); ok(ret) {
			info.AppMemClockMHz = mhz
		}
	}
	if mhz, ret := d.GetMaxClockInfo(nvml.CLOCK_SM); ok(ret) {
		info.MaxSMClockMHz = mhz
	}
	if lost {
		return info, fmt.Errorf("%w: gpu %d", ErrDeviceLost, i)
	}
	if s, ret := n.lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		info.DriverVersion = s
	}
	if n.has[symCUDAVersion] {
		if v, ret := n.lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
			info.CUDADriverVersion = CUDAVersionString(v)
		}
	}
	return info, nil
}

// CUDAVersionString formats NVML's integer CUDA version (12040) as "12.4".
func CUDAVersionString(v int) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// Read takes one reading of device i. Metrics the device does not support
// are left out (and not asked for again); ERROR_GPU_IS_LOST on any call
// returns an error wrapping ErrDeviceLost.
func (n *NVML) Read(i int) (Reading, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	d, err := n.handle(i)
	if err != nil {
		return Reading{}, err
	}
	r := Reading{At: time.Now()}
	skip := n.unsupported[i]
	var lost bool
	// got records the outcome of one call for field f.
	got := func(f Field, ret nvml.Return) bool {
		switch ret {
		case nvml.SUCCESS:
			r.Valid |= f
			return true
		case nvml.ERROR_GPU_IS_LOST:
			lost = true
		case nvml.ERROR_NOT_SUPPORTED, nvml.ERROR_FUNCTION_NOT_FOUND:
			n.unsupported[i] |= f
		}
		return false
	}
	want := func(f Field) bool { return skip&f == 0 && !lost }

	if want(FieldUtil) {
		if u, ret := d.GetUtilizationRates(); got(FieldUtil, ret) {
			r.GPUUtilPct, r.MemUtilPct = u.Gpu, u.Memory
		}
	}
	if want(FieldMemUsed) {
		if m, ret := d.GetMemoryInfo(); got(FieldMemUsed, ret) {
			r.MemUsedBytes = m.Used
		}
	}
	if want(FieldSMClock) {
		if c, ret := d.GetClockInfo(nvml.CLOCK_SM); got(FieldSMClock, ret) {
			r.SMClockMHz = c
		}
	}
	if want(FieldMemClock) {
		if c, ret := d.GetClockInfo(nvml.CLOCK_MEM); got(FieldMemClock, ret) {
			r.MemClockMHz = c
		}
	}
	if want(FieldPower) {
		if p, ret := d.GetPowerUsage(); got(FieldPower, ret) {
			r.PowerMW = p
		}
	}
	if want(FieldPowerLimit) {
		if p, ret := d.GetEnforcedPowerLimit(); got(FieldPowerLimit, ret) {
			r.PowerLimitMW = p
		}
	}
	if want(FieldTemp) {
		if !n.has[symTemperature] {
			n.unsupported[i] |= FieldTemp
		} else if t, ret := d.GetTemperature(nvml.TEMPERATURE_GPU); got(FieldTemp, ret) {
			r.TempC = t
		}
	}
	if want(FieldEnergy) {
		if !n.has[symEnergy] {
			n.unsupported[i] |= FieldEnergy
		} else if e, ret := d.GetTotalEnergyConsumption(); got(FieldEnergy, ret) {
			r.EnergyMJ = e
		}
	}
	if want(FieldReasons) {
		switch {
		case n.has[symEventReasons]:
			if m, ret := d.GetCurrentClocksEventReasons(); got(FieldReasons, ret) {
				r.Reasons = m
			}
		case n.has[symThrottleReasons]:
			if m, ret := d.GetCurrentClocksThrottleReasons(); got(FieldReasons, ret) {
				r.Reasons = m
			}
		default:
			n.unsupported[i] |= FieldReasons
		}
	}
	if want(FieldPCIe) {
		gen, ret1 := d.GetCurrPcieLinkGeneration()
		width, ret2 := d.GetCurrPcieLinkWidth()
		if ret1 != nvml.SUCCESS {
			got(FieldPCIe, ret1)
		} else if got(FieldPCIe, ret2) {
			r.PCIeGen, r.PCIeWidth = gen, width
		}
	}
	if want(FieldProcesses) {
		compute, ret1 := d.GetComputeRunningProcesses()
		graphics, ret2 := d.GetGraphicsRunningProcesses()
		if got(FieldProcesses, ret1) || got(FieldProcesses, ret2) {
			r.Processes = mergeProcesses(compute, graphics)
		}
	}
	if lost {
		return r, fmt.Errorf("%w: gpu %d", ErrDeviceLost, i)
	}
	return r, nil
}

// notAvailable is NVML_VALUE_NOT_AVAILABLE, what NVML reports as a
// process's memory when it may not say (e.g. under Windows WDDM or MIG).
const notAvailable = ^uint64(0)

// mergeProcesses lists each pid once, keeping the larger memory figure.
func mergeProcesses(lists ...[]nvml.ProcessInfo) []Process {
	var out []Process
	index := map[uint32]int{}
	for _, l := range lists {
		for _, p := range l {
			if p.UsedGpuMemory == notAvailable {
				p.UsedGpuMemory = 0
			}
			if j, ok := index[p.Pid]; ok {
				out[j].UsedBytes = max(out[j].UsedBytes, p.UsedGpuMemory)
				continue
			}
			index[p.Pid] = len(out)
			out = append(out, Process{PID: p.Pid, UsedBytes: p.UsedGpuMemory})
		}
	}
	return out
}

// ProcessName asks NVML for the name of pid; "" when it cannot say.
func (n *NVML) ProcessName(pid uint32) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.open {
		return ""
	}
	name, ret := n.lib.SystemGetProcessName(int(pid))
	if ret != nvml.SUCCESS {
		return ""
	}
	return name
}
