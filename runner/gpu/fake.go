package gpu

import (
	"fmt"
	"sync"
	"time"
)

// Fake is a Source with scripted devices, for tests on machines without a
// GPU and for measuring what sampling costs. It is safe for concurrent use.
type Fake struct {
	// OpenErr, when set, is what Open returns (e.g. an *UnavailableError).
	OpenErr error
	// Cost is how long each Read keeps a CPU busy, standing in for the
	// driver calls a real reading makes; 0 returns at once.
	Cost time.Duration
	// Devices are the fake GPUs, by index.
	Devices []*FakeDevice
	// Names maps a pid to what ProcessName returns.
	Names map[uint32]string

	mu   sync.Mutex
	open bool
}

// FakeDevice is one scripted GPU.
type FakeDevice struct {
	Info Info
	// Readings are returned by successive Reads; the last one repeats.
	// Valid defaults to AllFields when zero.
	Readings []Reading
	// LostAfter, when > 0, makes every Read after that many fail with
	// ErrDeviceLost, as a GPU that fell off the bus.
	LostAfter int

	reads int
}

var _ Source = (*Fake)(nil)

// Open fails with OpenErr when set.
func (f *Fake) Open() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.OpenErr != nil {
		return f.OpenErr
	}
	if len(f.Devices) == 0 {
		return &UnavailableError{Reason: "NVML loaded but it sees no GPU"}
	}
	f.open = true
	return nil
}

// Close marks the fake closed.
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open = false
	return nil
}

// DeviceCount returns len(Devices).
func (f *Fake) DeviceCount() (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.open {
		return 0, errNotOpen
	}
	return len(f.Devices), nil
}

func (f *Fake) device(i int) (*FakeDevice, error) {
	if !f.open {
		return nil, errNotOpen
	}
	if i < 0 || i >= len(f.Devices) {
		return nil, fmt.Errorf("gpu %d: no such device", i)
	}
	return f.Devices[i], nil
}

// Info returns device i's Info with Index set.
func (f *Fake) Info(i int) (Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.device(i)
	if err != nil {
		return Info{}, err
	}
	if d.LostAfter > 0 && d.reads >= d.LostAfter {
		return Info{}, fmt.Errorf("%w: gpu %d", ErrDeviceLost, i)
	}
	info := d.Info
	info.Index = i
	return info, nil
}

// Read returns the next scripted reading of device i, stamped now.
func (f *Fake) Read(i int) (Reading, error) {
	f.mu.Lock()
	d, err := f.device(i)
	cost := f.Cost
	var r Reading
	if err == nil {
		switch {
		case d.LostAfter > 0 && d.reads >= d.LostAfter:
			err = fmt.Errorf("%w: gpu %d", ErrDeviceLost, i)
		case len(d.Readings) > 0:
			r = d.Readings[min(d.reads, len(d.Readings)-1)]
		}
		d.reads++
	}
	f.mu.Unlock()
	if cost > 0 {
		spin(cost)
	}
	if err != nil {
		return Reading{}, err
	}
	if r.Valid == 0 {
		r.Valid = AllFields
	}
	r.Processes = append([]Process(nil), r.Processes...)
	r.At = time.Now()
	return r, nil
}

// Reads returns how many times device i was read.
func (f *Fake) Reads(i int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Devices[i].reads
}

// ProcessName returns Names[pid].
func (f *Fake) ProcessName(pid uint32) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Names[pid]
}

// spin keeps this goroutine's CPU busy for d, as a blocking driver call would.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}
