package gpu

import (
	"errors"
	"fmt"
	"time"
)

// Source is the part of NVML that yologate reads: device discovery, the
// static description of each device and one reading of its counters. NVML
// (NewNVML) and Fake implement it.
type Source interface {
	// Open loads and initializes the library. It returns an *UnavailableError
	// when there is no library, no driver or no device.
	Open() error
	// Close releases the library; reads after Close fail.
	Close() error
	// DeviceCount is the number of GPUs visible to this process.
	DeviceCount() (int, error)
	// Info describes device i (0-based) for the fingerprint.
	Info(i int) (Info, error)
	// Read takes one reading of device i. It returns an error wrapping
	// ErrDeviceLost when the device is gone; a metric the device does not
	// report is left out of Reading.Valid, not an error.
	Read(i int) (Reading, error)
	// ProcessName names a process using a GPU, or "" when unknown.
	ProcessName(pid uint32) string
}

// ErrDeviceLost is wrapped by Read when the GPU fell off the bus or stopped
// answering (NVML's ERROR_GPU_IS_LOST).
var ErrDeviceLost = errors.New("gpu lost")

// UnavailableError says why GPU telemetry cannot be read on this machine
// (no NVML library, no driver, no device). It is an expected condition on
// CPU machines, never a crash.
type UnavailableError struct {
	// Reason is one lowercase line, e.g. "no NVML library (libnvidia-ml.so.1 not found)".
	Reason string
}

func (e *UnavailableError) Error() string { return "gpu telemetry unavailable: " + e.Reason }

// Unavailable returns the reason err gives for telemetry being unavailable,
// or "" when err is not an *UnavailableError.
func Unavailable(err error) string {
	var u *UnavailableError
	if errors.As(err, &u) {
		return u.Reason
	}
	return ""
}

// Info is the static description of one GPU.
type Info struct {
	Index int
	Name  string
	UUID  string
	// MemoryBytes is the total device memory in bytes.
	MemoryBytes uint64
	// CCMajor and CCMinor are the CUDA compute capability (8, 6 for sm_86); 0 when unknown.
	CCMajor, CCMinor int
	// MIG is true when MIG mode is enabled (current mode).
	MIG bool
	// Persistence is true when the driver's persistence mode is on.
	Persistence bool
	// PowerLimitMW is the enforced power limit in milliwatts; 0 when unknown.
	PowerLimitMW uint32
	// AppSMClockMHz and AppMemClockMHz are the application (target) clocks; 0 when unknown.
	AppSMClockMHz, AppMemClockMHz uint32
	// MaxSMClockMHz is the highest SM clock the device supports; 0 when unknown.
	MaxSMClockMHz uint32
	// DriverVersion is the kernel driver version ("550.54.15").
	DriverVersion string
	// CUDADriverVersion is the CUDA version the driver supports ("12.4").
	CUDADriverVersion string
}

// Field is a bit set of the metrics present in a Reading.
type Field uint32

// The metrics of a Reading; a device that does not report one leaves its
// bit clear.
const (
	FieldUtil Field = 1 << iota
	FieldMemUsed
	FieldSMClock
	FieldMemClock
	FieldPower
	FieldPowerLimit
	FieldTemp
	FieldEnergy
	FieldReasons
	FieldPCIe
	FieldProcesses
)

var fieldNames = []struct {
	f    Field
	name string
}{
	{FieldUtil, "utilization"}, {FieldMemUsed, "memory"}, {FieldSMClock, "sm_clock"},
	{FieldMemClock, "mem_clock"}, {FieldPower, "power"}, {FieldPowerLimit, "power_limit"},
	{FieldTemp, "temperature"}, {FieldEnergy, "energy"}, {FieldReasons, "clock_event_reasons"},
	{FieldPCIe, "pcie_link"}, {FieldProcesses, "processes"},
}

// Missing names the metrics of all that f lacks, in a fixed order.
func (f Field) Missing(all Field) []string {
	var out []string
	for _, n := range fieldNames {
		if all&n.f != 0 && f&n.f == 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// AllFields is every metric a Reading can carry.
const AllFields = FieldUtil | FieldMemUsed | FieldSMClock | FieldMemClock | FieldPower |
	FieldPowerLimit | FieldTemp | FieldEnergy | FieldReasons | FieldPCIe | FieldProcesses

// Reading is one sample of a device's counters. Only the metrics whose bit
// is set in Valid are meaningful.
type Reading struct {
	Valid Field
	// At is when the reading was taken (monotonic clock).
	At time.Time
	// GPUUtilPct and MemUtilPct are NVML's utilization rates over its last
	// sample period, 0–100.
	GPUUtilPct, MemUtilPct uint32
	// MemUsedBytes is the device memory in use, all processes.
	MemUsedBytes uint64
	// SMClockMHz and MemClockMHz are the current clocks.
	SMClockMHz, MemClockMHz uint32
	// PowerMW is the board power draw and PowerLimitMW the enforced limit, in milliwatts.
	PowerMW, PowerLimitMW uint32
	// TempC is the GPU core temperature in degrees Celsius.
	TempC uint32
	// EnergyMJ is the total energy used since the driver loaded, in millijoules.
	EnergyMJ uint64
	// Reasons is the clock-event (throttle) reason bit mask, NVML's
	// nvmlClocksEventReason* values.
	Reasons uint64
	// PCIeGen and PCIeWidth describe the current PCIe link.
	PCIeGen, PCIeWidth int
	// Processes are the compute and graphics processes on the device.
	Processes []Process
}

// Process is one process with a context on a GPU.
type Process struct {
	PID uint32
	// UsedBytes is its device memory, 0 when NVML does not say.
	UsedBytes uint64
}

// Clock-event reason bits, as nvml.h defines nvmlClocksEventReason*
// (https://docs.nvidia.com/deploy/nvml-api/group__nvmlClocksEventReasons.html).
// They are repeated here so that everything but the NVML adapter is free of cgo.
const (
	ReasonGPUIdle       uint64 = 0x1
	ReasonAppClocks     uint64 = 0x2
	ReasonSWPowerCap    uint64 = 0x4
	ReasonHWSlowdown    uint64 = 0x8
	ReasonSyncBoost     uint64 = 0x10
	ReasonSWThermal     uint64 = 0x20
	ReasonHWThermal     uint64 = 0x40
	ReasonHWPowerBrake  uint64 = 0x80
	ReasonDisplayClocks uint64 = 0x100
	ReasonBoardLimit    uint64 = 0x200
	ReasonReliability   uint64 = 0x400
)

var reasonNames = []struct {
	bit  uint64
	name string
}{
	{ReasonGPUIdle, "gpu_idle"}, {ReasonAppClocks, "applications_clocks_setting"},
	{ReasonSWPowerCap, "sw_power_cap"}, {ReasonHWSlowdown, "hw_slowdown"},
	{ReasonSyncBoost, "sync_boost"}, {ReasonSWThermal, "sw_thermal"},
	{ReasonHWThermal, "hw_thermal"}, {ReasonHWPowerBrake, "hw_power_brake"},
	{ReasonDisplayClocks, "display_clock_setting"}, {ReasonBoardLimit, "board_limit"},
	{ReasonReliability, "reliability"},
}

// ReasonNames names the bits set in mask, in bit order; unknown bits are
// named by their hex value.
func ReasonNames(mask uint64) []string {
	var out []string
	for _, r := range reasonNames {
		if mask&r.bit != 0 {
			out = append(out, r.name)
			mask &^= r.bit
		}
	}
	for bit := uint64(1); mask != 0 && bit != 0; bit <<= 1 {
		if mask&bit != 0 {
			out = append(out, fmt.Sprintf("0x%x", bit))
			mask &^= bit
		}
	}
	return out
}

// ThrottleMask is the subset of reasons that marks a repeat: power capping,
// thermal slowdown, hardware slowdown and power brake. Idle, application
// clock settings, sync boost and display clocks are expected states.
const ThrottleMask = ReasonSWPowerCap | ReasonHWSlowdown | ReasonSWThermal | ReasonHWThermal | ReasonHWPowerBrake
