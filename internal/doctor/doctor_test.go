package doctor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/golden"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
)

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// noLibs finds no CUDA or TensorRT library.
func noLibs(string, []string) string { return "" }

// TestDoctorThisMachine is doctor on a CPU machine like the CI's: the real
// ONNX Runtime CPU release, no NVML library, no CUDA, not in Actions.
func TestDoctorThisMachine(t *testing.T) {
	path, _ := ort.FindLibrary("", os.Getenv)
	if path == "" {
		t.Skipf("ONNX Runtime library not found (set %s or run make setup)", ort.LibraryEnv)
	}
	env := Real
	// The machine's own NVML would differ on a GPU host; this is what
	// go-nvml reports where libnvidia-ml.so.1 is absent (TestNVMLWithoutLibrary
	// in runner/gpu checks that against the real loader).
	env.NVML = func(func(string) string) gpu.Source {
		return &gpu.Fake{OpenErr: &gpu.UnavailableError{Reason: "no NVML library (libnvidia-ml.so.1 could not be loaded: no NVIDIA driver on this machine, or a container started without --gpus)"}}
	}
	env.FindLib = noLibs
	env.WD = func() (string, error) { return t.TempDir(), nil }
	dir := t.TempDir()
	var out bytes.Buffer
	getenv := mapEnv(map[string]string{ort.LibraryEnv: path})
	err := Run(&out, Options{Baseline: filepath.Join(dir, "baseline.yaml"), Version: "VERSION", Getenv: getenv}, env)
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out.String())
	}
	st := env.LoadORT("", getenv)
	if len(st.Providers) != 1 {
		t.Skipf("this ONNX Runtime has GPU providers %v; the golden file describes the CPU release", st.Providers)
	}
	got := strings.ReplaceAll(out.String(), ort.LibraryPath(), "$YOLOGATE_ORT_LIB")
	got = strings.ReplaceAll(got, dir, "$TMP")
	golden.Check(t, "doctor_cpu.golden", got)
}

// fakeORT is an ONNX Runtime GPU build as doctor would see it.
func fakeORT(providers []string, unavailable map[string]error) func(string, func(string) string) ORTStatus {
	return func(string, func(string) string) ORTStatus {
		return ORTStatus{Path: "/opt/onnxruntime/lib/libonnxruntime.so.1", Source: ort.LibraryEnv, Version: "1.30.0", Providers: providers, Unavailable: unavailable}
	}
}

func TestDoctorGPUHostInActions(t *testing.T) {
	env := Env{
		LoadORT: fakeORT([]string{ort.TensorRT, ort.CUDA, ort.CPU}, nil),
		NVML: func(func(string) string) gpu.Source {
			return &gpu.Fake{Devices: []*gpu.FakeDevice{
				{Info: gpu.Info{Name: "NVIDIA A10", UUID: "GPU-3f1c", MemoryBytes: 23028 << 20, CCMajor: 8, CCMinor: 6, Persistence: true,
					PowerLimitMW: 150000, AppSMClockMHz: 1695, AppMemClockMHz: 6251, DriverVersion: "550.54.15", CUDADriverVersion: "12.4"}},
				{Info: gpu.Info{Name: "NVIDIA A10", UUID: "GPU-77aa", MemoryBytes: 23028 << 20, CCMajor: 8, CCMinor: 6,
					DriverVersion: "550.54.15", CUDADriverVersion: "12.4"}},
			}}
		},
		FindLib:         func(name string, _ []string) string { return "/usr/lib/x86_64-linux-gnu/" + name },
		WD:              func() (string, error) { return "testdata/doctor", nil },
		TensorRTVersion: func() (string, error) { return "10.16.1", nil },
	}
	var out bytes.Buffer
	getenv := mapEnv(map[string]string{
		"YOLOGATE_CACHE": "/cache", "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/detector", "GITHUB_RUN_ID": "4242",
		"GITHUB_TOKEN": "ghs_secretvalue", "GITHUB_STEP_SUMMARY": "/tmp/summary", "GITHUB_OUTPUT": "/tmp/out",
	})
	if err := Run(&out, Options{Version: "VERSION", Getenv: getenv}, env); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "ghs_secretvalue") {
		t.Fatal("doctor printed the token")
	}
	golden.Check(t, "doctor_gpu.golden", out.String())
}

// TestDoctorConfigValues: a config whose values the flags would refuse is
// reported line by line with file:line:col, the key, the problem and the
// fix, and the CPU path is not ready.
func TestDoctorConfigValues(t *testing.T) {
	env := Env{LoadORT: fakeORT([]string{ort.CPU}, nil), NVML: noNVML, FindLib: noLibs,
		WD: func() (string, error) { return "../config/testdata", nil }}
	var out bytes.Buffer
	err := Run(&out, Options{Version: "VERSION", Getenv: mapEnv(nil), Config: "../config/testdata/bad_values.yml"}, env)
	if err == nil || errs.KindOf(err) != errs.Env {
		t.Fatalf("error %v, want the CPU path not ready", err)
	}
	golden.Check(t, "doctor_config_values.golden", out.String())
}

// TestDoctorCUDA13Build checks the libraries a CUDA 13 build of the
// providers links, not the CUDA 12 names of the image's release: a CUDA 13
// machine with every library present is ready, and a missing one is named
// as the provider links it.
func TestDoctorCUDA13Build(t *testing.T) {
	cuda13 := []string{"libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcuda.so.1", "libcudnn.so.9"}
	present := map[string]bool{}
	for _, l := range cuda13 {
		present[l] = true
	}
	for _, tc := range []struct {
		name    string
		missing string
		want    []string
	}{
		{"all present", "", []string{"✓ CUDA libraries: /usr/lib/libcublasLt.so.13", "/usr/lib/libcudart.so.13", "/usr/lib/libcudnn.so.9"}},
		{"cudart missing", "libcudart.so.13", []string{"✗ CUDA libraries: not found: libcudart.so.13\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := Env{
				LoadORT: fakeORT([]string{ort.CUDA, ort.CPU}, map[string]error{ort.TensorRT: errors.New("no libnvinfer.so.10")}),
				NVML: func(func(string) string) gpu.Source {
					return &gpu.Fake{OpenErr: &gpu.UnavailableError{Reason: "no NVML library"}}
				},
				FindLib: func(name string, _ []string) string {
					if !present[name] || name == tc.missing {
						return ""
					}
					return "/usr/lib/" + name
				},
				ProviderNeeds: func(_, provider string) ([]string, bool) {
					if provider == ort.CUDA {
						return cuda13, true
					}
					return nil, false
				},
				WD: func() (string, error) { return "", errors.New("no wd") },
			}
			var out bytes.Buffer
			if err := Run(&out, Options{Getenv: mapEnv(nil)}, env); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("doctor output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), ".so.12") {
				t.Errorf("doctor names CUDA 12 libraries for a CUDA 13 build:\n%s", out.String())
			}
		})
	}
}

// noNVML is a machine without the NVML library.
func noNVML(func(string) string) gpu.Source {
	return &gpu.Fake{OpenErr: &gpu.UnavailableError{Reason: "no NVML library"}}
}

func TestDoctorFailures(t *testing.T) {
	badCfg := filepath.Join(t.TempDir(), ".yologate.yml")
	if err := os.WriteFile(badCfg, []byte("version: 1\nthreshold: [5%\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	roDir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(roDir, 0o555)
	tests := []struct {
		name string
		opts Options
		env  map[string]string
		ort  func(string, func(string) string) ORTStatus
		// libs finds every GPU library and trt answers for TensorRT's.
		libs bool
		trt  func() (string, error)
		want []string // lines that must appear
		// notReady says the CPU path is not ready: an environment error.
		notReady bool
	}{
		{
			name: "no ONNX Runtime",
			ort: func(string, func(string) string) ORTStatus {
				return ORTStatus{Err: errs.Envf(ort.LibraryEnv, `run "make setup"`, "no ONNX Runtime library: the variable is not set")}
			},
			want:     []string{"✗ ONNX Runtime: YOLOGATE_ORT_LIB: no ONNX Runtime library: the variable is not set", `    fix: run "make setup"`, "CPU path: not ready (ONNX Runtime)"},
			notReady: true,
		},
		{
			name:     "invalid config",
			opts:     Options{Config: badCfg},
			want:     []string{"✗ config: " + badCfg + ":", "CPU path: not ready (config)"},
			notReady: true,
		},
		{
			name:     "baseline directory missing",
			opts:     Options{Baseline: "/nonexistent/dir/b.yaml"},
			want:     []string{"✗ baseline /nonexistent/dir/b.yaml: directory /nonexistent/dir does not exist"},
			notReady: true,
		},
		{
			name: "actions without a token",
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/detector", "GITHUB_STEP_SUMMARY": "/s", "GITHUB_OUTPUT": "/o"},
			want: []string{"✓ GitHub Actions: acme/detector", "✗ GitHub token: GITHUB_TOKEN is not set", "CPU path: ready"},
		},
		{
			name: "TensorRT files that do not load",
			libs: true,
			trt:  func() (string, error) { return "", errors.New("libnvinfer.so.10: not found by the dynamic loader") },
			want: []string{"✓ CUDA libraries: /usr/lib/x86_64-linux-gnu/libcudart.so.12",
				"✗ TensorRT libraries: libnvinfer.so.10: not found by the dynamic loader", "    fix: install TensorRT 10", "CPU path: ready"},
		},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, struct {
			name     string
			opts     Options
			env      map[string]string
			ort      func(string, func(string) string) ORTStatus
			libs     bool
			trt      func() (string, error)
			want     []string
			notReady bool
		}{name: "read-only baseline directory", opts: Options{Baseline: filepath.Join(roDir, "b.yaml")}, want: []string{"cannot create files in " + roDir}, notReady: true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Env{
				LoadORT: tt.ort, NVML: noNVML, FindLib: noLibs, TensorRTVersion: tt.trt,
				WD: func() (string, error) { return "", errors.New("no wd") },
			}
			if tt.libs {
				env.FindLib = func(name string, _ []string) string { return "/usr/lib/x86_64-linux-gnu/" + name }
			}
			if env.LoadORT == nil {
				env.LoadORT = fakeORT([]string{ort.CPU}, map[string]error{ort.CUDA: errors.New("x"), ort.TensorRT: errors.New("y")})
			}
			var out bytes.Buffer
			err := Run(&out, Options{ORTLib: tt.opts.ORTLib, Baseline: tt.opts.Baseline, Config: tt.opts.Config, Getenv: mapEnv(tt.env)}, env)
			if (err != nil) != tt.notReady || (err != nil && errs.KindOf(err) != errs.Env) {
				t.Fatalf("error %v, want the CPU path ready=%v\n%s", err, !tt.notReady, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestDocsQuoteDoctor: what the setup guides tell a user to expect from
// doctor on a ready GPU machine is what it prints, and a line they call
// the last one is the last one.
func TestDocsQuoteDoctor(t *testing.T) {
	data, err := os.ReadFile("testdata/doctor_gpu.golden")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	quoted := regexp.MustCompile("(ends with|reports|on its last line,) `([^`]*path: ready)`")
	n := 0
	for _, doc := range []string{"../../docs/gpu.md", "../../docs/runner-guide.md"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(strings.Join(strings.Fields(string(text)), " "), -1) {
			n++
			if !slices.Contains(lines, m[2]) {
				t.Errorf("%s quotes doctor's %q, which it does not print", doc, m[2])
			}
			if m[1] != "reports" && lines[len(lines)-1] != m[2] {
				t.Errorf("%s says doctor ends with %q; its last line is %q", doc, m[2], lines[len(lines)-1])
			}
		}
	}
	if n == 0 {
		t.Error("the guides quote no verdict line of doctor")
	}
}
