// Package doctor checks what this machine can run: ONNX Runtime and its
// providers, NVML and the GPUs, the CUDA and TensorRT libraries, TensorRT's
// engine cache, a writable baseline, the GitHub Actions environment and the
// config file. Each check is a small function over an injected Env, so tests
// pin down a machine's situation and the output stays stable.
package doctor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/gpu"
	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// Env is what doctor inspects, as functions.
type Env struct {
	// LoadORT finds and loads ONNX Runtime (flag is --ort-lib) and reports it.
	LoadORT func(flag string, getenv func(string) string) ORTStatus
	// NVML returns the GPU telemetry source to open.
	NVML func(getenv func(string) string) gpu.Source
	// FindLib returns the path of a shared library found in dirs, or by
	// the dynamic loader, or "".
	FindLib func(name string, dirs []string) string
	// ProviderNeeds returns the GPU libraries that a provider's library
	// next to ONNX Runtime links (ort.ProviderNeeds); nil uses the lists
	// of the ONNX Runtime release yologate's image ships.
	ProviderNeeds func(ortPath, provider string) ([]string, bool)
	// WD is the working directory, where .yologate.yml is looked for.
	WD func() (string, error)
	// TensorRTVersion asks the TensorRT library for its version; nil skips it.
	TensorRTVersion func() (string, error)
}

// ORTStatus is ONNX Runtime as doctor sees it.
type ORTStatus struct {
	Path, Source, Version string
	// Err is why the library did not load.
	Err error
	// Providers are the usable providers, best first.
	Providers []string
	// Unavailable maps a provider that is not usable to its error.
	Unavailable map[string]error
}

// Real inspects this machine.
var Real = Env{
	LoadORT: func(flag string, getenv func(string) string) ORTStatus {
		var st ORTStatus
		st.Path, st.Source = ort.FindLibrary(flag, getenv)
		if st.Err = ort.Load(st.Path, st.Source); st.Err != nil {
			return st
		}
		st.Path, st.Version, st.Providers = ort.LibraryPath(), ort.Version(), ort.Providers()
		st.Unavailable = map[string]error{}
		for _, p := range ort.ProviderNames {
			if err := ort.Available(p); err != nil {
				st.Unavailable[p] = err
			}
		}
		return st
	},
	NVML: func(getenv func(string) string) gpu.Source { return gpu.NewNVML(getenv(gpu.LibraryEnv)) },
	FindLib: func(name string, dirs []string) string {
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
		// Where the provider's own loading would look: the loader cache
		// and the driver's folders configured there.
		p, _ := ort.LocateLibrary(name)
		return p
	},
	ProviderNeeds:   ort.ProviderNeeds,
	WD:              os.Getwd,
	TensorRTVersion: ort.TensorRTVersion,
}

// GPU runtime libraries the ONNX Runtime 1.30 GPU release that yologate's
// image ships loads: CUDA 12, cuDNN 9 and TensorRT 10. Doctor checks these
// when the provider libraries next to ONNX Runtime are not there to say
// what they link.
var (
	cudaLibs     = []string{"libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11", "libcurand.so.10", "libcudnn.so.9"}
	tensorRTLibs = []string{ort.TensorRTLibrary, "libnvinfer_plugin.so.10", "libnvonnxparser.so.10"}
)

// Options are what the command line gives doctor.
type Options struct {
	// ORTLib is --ort-lib: the ONNX Runtime library to check; empty finds it.
	ORTLib string
	// Baseline is a file that must be writable; empty skips the check.
	Baseline string
	// Config is the config file to validate; empty looks in the working directory.
	Config string
	// Version is yologate's version for the heading.
	Version string
	// Getenv reads the environment.
	Getenv func(string) string
}

// Run prints every check to w and returns an environment error when the
// CPU path is not ready; GPU failures are printed, not returned.
func Run(w io.Writer, o Options, env Env) error {
	r := &report{w: w}
	fmt.Fprintf(w, "yologate %s doctor: what this machine can run\n\n", o.Version)
	st := env.LoadORT(o.ORTLib, o.Getenv)
	r.checkORT(st)
	r.checkGPUs(env.NVML(o.Getenv))
	r.checkLibs(env, st.Path, libDirs(o.Getenv, st.Path))
	r.checkTensorRTCache(st.Providers, o.Getenv)
	if o.Baseline != "" {
		r.checkBaseline(o.Baseline)
	}
	r.checkActions(o.Getenv)
	r.checkConfig(o.Config, env.WD)
	return r.verdict()
}

// report collects check lines and whether the CPU path is ready.
type report struct {
	w io.Writer
	// cpuFailures are failed checks that the CPU path needs.
	cpuFailures []string
	// gpuFailures are failed checks that only the GPU path needs.
	gpuFailures []string
}

func (r *report) ok(name, detail string)   { fmt.Fprintf(r.w, "✓ %s: %s\n", name, detail) }
func (r *report) info(name, detail string) { fmt.Fprintf(r.w, "- %s: %s\n", name, detail) }

// fail prints a failed check with its fix; cpu says the CPU path needs it.
func (r *report) fail(cpu bool, name, detail, fix string) {
	fmt.Fprintf(r.w, "✗ %s: %s\n", name, detail)
	if fix != "" {
		fmt.Fprintf(r.w, "    fix: %s\n", fix)
	}
	if cpu {
		r.cpuFailures = append(r.cpuFailures, name)
	} else {
		r.gpuFailures = append(r.gpuFailures, name)
	}
}

// verdict prints the readiness of both paths.
func (r *report) verdict() error {
	fmt.Fprintln(r.w)
	if len(r.gpuFailures) == 0 {
		fmt.Fprintln(r.w, "GPU path: ready")
	} else {
		fmt.Fprintf(r.w, "GPU path: not ready (%s)\n", strings.Join(r.gpuFailures, ", "))
	}
	if len(r.cpuFailures) > 0 {
		fmt.Fprintf(r.w, "CPU path: not ready (%s)\n", strings.Join(r.cpuFailures, ", "))
		return errs.Envf("doctor", "fix the lines marked ✗ above", "the CPU path is not ready: %s", strings.Join(r.cpuFailures, ", "))
	}
	fmt.Fprintln(r.w, "CPU path: ready")
	return nil
}

// checkORT reports ONNX Runtime and its providers.
func (r *report) checkORT(st ORTStatus) {
	if st.Err != nil {
		detail, fix := errParts(st.Err)
		r.fail(true, "ONNX Runtime", detail, fix)
		return
	}
	r.ok("ONNX Runtime", fmt.Sprintf("%s from %s (%s)", st.Version, st.Path, st.Source))
	r.ok("execution providers", strings.Join(st.Providers, ", "))
	for _, p := range ort.ProviderNames {
		if err, bad := st.Unavailable[p]; bad {
			detail, _ := errParts(err)
			detail = strings.TrimPrefix(detail, fmt.Sprintf("execution provider %q is ", p))
			r.fail(false, "provider "+p, detail, "use the ONNX Runtime GPU release (docs/gpu.md) or the yologate Docker image; set "+ort.LibraryEnv+" to its libonnxruntime.so.1")
		}
	}
}

// checkGPUs reports NVML and one line per GPU.
func (r *report) checkGPUs(src gpu.Source) {
	if err := src.Open(); err != nil {
		reason := gpu.Unavailable(err)
		if reason == "" {
			reason = err.Error()
		}
		r.fail(false, "NVML", reason, "install the NVIDIA driver (it brings libnvidia-ml.so.1); in Docker run with --gpus all and the NVIDIA container toolkit")
		r.fail(false, "GPUs", "none visible without NVML", "check the driver with nvidia-smi")
		return
	}
	defer src.Close()
	gpus, err := gpu.Fingerprint(src)
	drv := ""
	if len(gpus) > 0 {
		drv = fmt.Sprintf("driver %s, CUDA %s", gpus[0].DriverVersion, gpus[0].CUDADriverVersion)
	}
	r.ok("NVML", "loaded, "+drv)
	for _, g := range gpus {
		r.ok(fmt.Sprintf("gpu %d", g.Index), gpuLine(g))
	}
	if err != nil {
		detail, fix := errParts(err)
		r.fail(false, "GPUs", detail, fix)
	}
}

// gpuLine describes one GPU and the settings that move its numbers.
func gpuLine(g results.GPU) string {
	line := fmt.Sprintf("%s, %d MiB, compute capability %s, %s", g.Name, g.MemoryMiB, g.ComputeCapability, g.UUID)
	if g.MIG {
		line += ", MIG on"
	}
	if g.PowerLimitW > 0 {
		line += fmt.Sprintf(", power limit %.0f W", g.PowerLimitW)
	}
	if g.AppSMClockMHz > 0 {
		line += fmt.Sprintf(", application clocks %d/%d MHz", g.AppSMClockMHz, g.AppMemClockMHz)
	}
	if !g.PersistenceMode {
		line += ", persistence mode off"
	}
	return line
}

// libSet is a group of GPU libraries that a provider needs.
type libSet struct {
	name string
	libs []string
	fix  string
	// version, when set, asks the found libraries for their version.
	version func() (string, error)
}

// checkLibs reports the CUDA and TensorRT libraries: those the provider
// libraries found next to ONNX Runtime link, else those of yologate's image.
func (r *report) checkLibs(env Env, ortPath string, dirs []string) {
	needs := func(provider string, fallback []string) []string {
		if env.ProviderNeeds != nil {
			if libs, ok := env.ProviderNeeds(ortPath, provider); ok {
				return libs
			}
		}
		return fallback
	}
	for _, set := range []libSet{
		{"CUDA libraries", needs(ort.CUDA, cudaLibs), "install the CUDA runtime and cuDNN 9 that this ONNX Runtime build links (the names above; or use the yologate Docker image), or add their directory to LD_LIBRARY_PATH", nil},
		{"TensorRT libraries", needs(ort.TensorRT, tensorRTLibs), "install TensorRT 10 (or use the yologate Docker image), or add its directory to LD_LIBRARY_PATH", env.TensorRTVersion},
	} {
		r.checkLibSet(set, env.FindLib, dirs)
	}
}

func (r *report) checkLibSet(set libSet, findLib func(string, []string) string, dirs []string) {
	var found, missing []string
	for _, l := range set.libs {
		if p := findLib(l, dirs); p != "" {
			found = append(found, p)
		} else {
			missing = append(missing, l)
		}
	}
	switch {
	case len(missing) > 0:
		r.fail(false, set.name, "not found: "+strings.Join(missing, ", "), set.fix)
	case set.version != nil:
		v, err := set.version()
		if err != nil {
			r.fail(false, set.name, err.Error(), set.fix)
			return
		}
		r.ok(set.name, "TensorRT "+v+": "+strings.Join(found, ", "))
	default:
		r.ok(set.name, strings.Join(found, ", "))
	}
}

// checkTensorRTCache says where TensorRT engines are built once and reused.
func (r *report) checkTensorRTCache(providers []string, getenv func(string) string) {
	if !slices.Contains(providers, ort.TensorRT) {
		return
	}
	if dir := runner.DefaultCacheDir(getenv); dir != "" {
		r.info("TensorRT cache", dir+" (engines keyed by GPU model, TensorRT version and model; --trt-cache DIR or off to change)")
	} else {
		r.info("TensorRT cache", "none: $"+runner.CacheEnv+" and $HOME are unset, so every run builds its engines; set "+runner.CacheEnv+" or pass --trt-cache DIR")
	}
}

// checkBaseline reports whether `baseline update` can write path.
func (r *report) checkBaseline(path string) {
	if err := writable(path); err != nil {
		r.fail(true, "baseline "+path, err.Error(), "make the file and its directory writable, or pass another --baseline")
		return
	}
	r.ok("baseline "+path, "writable")
}

// checkActions reports the GitHub Actions environment; the token is never shown.
func (r *report) checkActions(getenv func(string) string) {
	if getenv("GITHUB_ACTIONS") != "true" {
		r.info("GitHub Actions", "not running in GitHub Actions (GITHUB_ACTIONS is not \"true\"); reports go to the terminal")
		return
	}
	where := getenv("GITHUB_REPOSITORY")
	if id := getenv("GITHUB_RUN_ID"); id != "" {
		where += ", run " + id
	}
	r.ok("GitHub Actions", strings.TrimPrefix(where, ", "))
	if getenv("GITHUB_TOKEN") != "" || getenv("INPUT_GITHUB_TOKEN") != "" {
		r.ok("GitHub token", "present (not shown)")
	} else {
		r.fail(false, "GitHub token", "GITHUB_TOKEN is not set: no PR comment or commit status will be posted", "pass github_token: ${{ github.token }} to the action, or set env GITHUB_TOKEN")
	}
	for _, k := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"} {
		if getenv(k) == "" {
			r.fail(false, k, "not set: the step summary and outputs cannot be written", "run inside a GitHub Actions step")
		}
	}
}

// checkConfig validates path, or the config file found in the working directory.
func (r *report) checkConfig(path string, wd func() (string, error)) {
	if path == "" {
		if dir, err := wd(); err == nil {
			path = config.Find(dir)
		}
	}
	if path == "" {
		r.info("config", "no "+config.FileName+" in the working directory; flags and defaults apply")
		return
	}
	cfg, err := config.Load(path)
	var problems errs.List
	if errors.As(err, &problems) && len(problems) > 1 {
		// Every problem on its own line, as file:line:col: key: problem
		// (fix), so that all can be fixed in one go.
		r.fail(true, "config", fmt.Sprintf("%s: %d problems", path, len(problems)), "")
		for _, e := range problems {
			fmt.Fprintf(r.w, "    %s\n", e)
		}
		return
	}
	if err != nil {
		detail, fix := errParts(err)
		r.fail(true, "config", detail, fix)
		return
	}
	r.ok("config "+path, fmt.Sprintf("valid (%d settings, %d cases)", len(cfg.Settings), len(cfg.Cases)))
}

// libDirs are where the dynamic loader finds the GPU libraries: the
// directories of LD_LIBRARY_PATH, ONNX Runtime's own directory (the GPU
// release ships its providers there), and the usual system locations.
func libDirs(getenv func(string) string, ortPath string) []string {
	var dirs []string
	for _, d := range strings.Split(getenv("LD_LIBRARY_PATH"), ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if ortPath != "" {
		dirs = append(dirs, filepath.Dir(ortPath))
	}
	return append(dirs, "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
		"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu")
}

// errParts splits an error into its message (with where it happened) and
// its fix, for a check line and the fix line under it.
func errParts(err error) (detail, fix string) {
	var e *errs.Error
	if errors.As(err, &e) {
		line := *e
		line.Fix = ""
		if strings.HasPrefix(line.Where, "--") || line.Where == "onnxruntime" {
			line.Where = ""
		}
		return line.Error(), e.Fix
	}
	return err.Error(), ""
}

// writable checks that path can be replaced: its directory accepts a new
// file (baselines are written to a temp file and renamed) and an existing
// file is not read-only.
func writable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return errors.New("is a directory")
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return errors.New("the file is not writable")
		}
		f.Close()
	}
	f, err := os.CreateTemp(dir, ".yologate-doctor-*")
	if err != nil {
		return fmt.Errorf("cannot create files in %s", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
