package main

import (
	"context"
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
)

// doctorEnv is what doctor inspects, as functions, so that tests pin down
// a machine's situation and its output stays stable.
type doctorEnv struct {
	// loadORT finds and loads ONNX Runtime (flag is --ort-lib) and reports it.
	loadORT func(flag string, getenv func(string) string) ortStatus
	// nvml returns the GPU telemetry source to open.
	nvml func(getenv func(string) string) gpu.Source
	// findLib returns the path of a shared library found in dirs, or by
	// the dynamic loader, or "".
	findLib func(name string, dirs []string) string
	// providerNeeds returns the GPU libraries that a provider's library
	// next to ONNX Runtime links (ort.ProviderNeeds); nil uses the lists
	// of the ONNX Runtime release yologate's image ships.
	providerNeeds func(ortPath, provider string) ([]string, bool)
	// wd is the working directory, where .yologate.yml is looked for.
	wd func() (string, error)
	// tensorRTVersion asks the TensorRT library for its version; nil skips it.
	tensorRTVersion func() (string, error)
}

// ortStatus is ONNX Runtime as doctor sees it.
type ortStatus struct {
	Path, Source, Version string
	// Err is why the library did not load.
	Err error
	// Providers are the usable providers, best first.
	Providers []string
	// Unavailable maps a provider that is not usable to its error.
	Unavailable map[string]error
}

// realDoctorEnv inspects this machine.
var realDoctorEnv = doctorEnv{
	loadORT: func(flag string, getenv func(string) string) ortStatus {
		var st ortStatus
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
	nvml: func(getenv func(string) string) gpu.Source { return gpu.NewNVML(getenv(gpu.LibraryEnv)) },
	findLib: func(name string, dirs []string) string {
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
	providerNeeds:   ort.ProviderNeeds,
	wd:              os.Getwd,
	tensorRTVersion: ort.TensorRTVersion,
}

// GPU runtime libraries the ONNX Runtime 1.30 GPU release that yologate's
// image ships loads: CUDA 12, cuDNN 9 and TensorRT 10. Doctor checks these
// when the provider libraries next to ONNX Runtime are not there to say
// what they link.
var (
	cudaLibs     = []string{"libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11", "libcurand.so.10", "libcudnn.so.9"}
	tensorRTLibs = []string{ort.TensorRTLibrary, "libnvinfer_plugin.so.10", "libnvonnxparser.so.10"}
)

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

func runDoctor(ctx context.Context, c *Command, args []string) error {
	return c.doctor(ctx, args, realDoctorEnv)
}

// doctorReport collects check lines and whether the CPU path is ready.
type doctorReport struct {
	w io.Writer
	// cpuFailures are failed checks that the CPU path needs.
	cpuFailures []string
	// gpuFailures are failed checks that only the GPU path needs.
	gpuFailures []string
}

func (r *doctorReport) ok(name, detail string) { fmt.Fprintf(r.w, "✓ %s: %s\n", name, detail) }
func (r *doctorReport) info(name, detail string) {
	fmt.Fprintf(r.w, "- %s: %s\n", name, detail)
}

// fail prints a failed check with its fix; cpu says the CPU path needs it.
func (r *doctorReport) fail(cpu bool, name, detail, fix string) {
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

func (c *Command) doctor(_ context.Context, args []string, env doctorEnv) error {
	fs := c.newFlags("doctor", "doctor [flags]")
	ortLib := fs.String("ort-lib", "", "ONNX Runtime library to check (default $"+ort.LibraryEnv+", then .cache/ort)")
	baseline := fs.String("baseline", "", "baseline `FILE` that must be writable (for baseline update)")
	cfgPath := fs.String("config", "", "config `FILE` to validate (default "+config.FileName+" in the working directory, when present)")
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.Usagef("doctor", "doctor takes flags only", "unexpected argument %q", fs.Arg(0))
	}
	r := &doctorReport{w: c.Stdout}
	v, _ := buildVersion()
	fmt.Fprintf(c.Stdout, "yologate %s doctor: what this machine can run\n\n", v)

	// ONNX Runtime and its providers.
	st := env.loadORT(*ortLib, c.Getenv)
	if st.Err != nil {
		detail, fix := errParts(st.Err)
		r.fail(true, "ONNX Runtime", detail, fix)
	} else {
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

	// NVML and the GPUs.
	src := env.nvml(c.Getenv)
	if err := src.Open(); err != nil {
		reason := gpu.Unavailable(err)
		if reason == "" {
			reason = err.Error()
		}
		r.fail(false, "NVML", reason, "install the NVIDIA driver (it brings libnvidia-ml.so.1); in Docker run with --gpus all and the NVIDIA container toolkit")
		r.fail(false, "GPUs", "none visible without NVML", "check the driver with nvidia-smi")
	} else {
		gpus, err := gpu.Fingerprint(src)
		drv := ""
		if len(gpus) > 0 {
			drv = fmt.Sprintf("driver %s, CUDA %s", gpus[0].DriverVersion, gpus[0].CUDADriverVersion)
		}
		r.ok("NVML", "loaded, "+drv)
		for _, g := range gpus {
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
			r.ok(fmt.Sprintf("gpu %d", g.Index), line)
		}
		if err != nil {
			detail, fix := errParts(err)
			r.fail(false, "GPUs", detail, fix)
		}
		src.Close()
	}

	// CUDA and TensorRT libraries: those the provider libraries found
	// next to ONNX Runtime link, else those of yologate's image.
	dirs := libDirs(c.Getenv, st.Path)
	needs := func(provider string, fallback []string) []string {
		if env.providerNeeds != nil {
			if libs, ok := env.providerNeeds(st.Path, provider); ok {
				return libs
			}
		}
		return fallback
	}
	for _, set := range []struct {
		name string
		libs []string
		fix  string
		// version, when set, asks the found libraries for their version.
		version func() (string, error)
	}{
		{"CUDA libraries", needs(ort.CUDA, cudaLibs), "install the CUDA runtime and cuDNN 9 that this ONNX Runtime build links (the names above; or use the yologate Docker image), or add their directory to LD_LIBRARY_PATH", nil},
		{"TensorRT libraries", needs(ort.TensorRT, tensorRTLibs), "install TensorRT 10 (or use the yologate Docker image), or add its directory to LD_LIBRARY_PATH", env.tensorRTVersion},
	} {
		var found, missing []string
		for _, l := range set.libs {
			if p := env.findLib(l, dirs); p != "" {
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
				break
			}
			r.ok(set.name, "TensorRT "+v+": "+strings.Join(found, ", "))
		default:
			r.ok(set.name, strings.Join(found, ", "))
		}
	}

	// TensorRT's engine cache, where engines are built once and reused.
	if slices.Contains(st.Providers, ort.TensorRT) {
		if dir := runner.DefaultCacheDir(c.Getenv); dir != "" {
			r.info("TensorRT cache", dir+" (engines keyed by GPU model, TensorRT version and model; --trt-cache DIR or off to change)")
		} else {
			r.info("TensorRT cache", "none: $"+runner.CacheEnv+" and $HOME are unset, so every run builds its engines; set "+runner.CacheEnv+" or pass --trt-cache DIR")
		}
	}

	// The baseline must be writable for `baseline update`.
	if *baseline != "" {
		if err := writable(*baseline); err != nil {
			r.fail(true, "baseline "+*baseline, err.Error(), "make the file and its directory writable, or pass another --baseline")
		} else {
			r.ok("baseline "+*baseline, "writable")
		}
	}

	// GitHub Actions.
	if c.Getenv("GITHUB_ACTIONS") == "true" {
		where := c.Getenv("GITHUB_REPOSITORY")
		if id := c.Getenv("GITHUB_RUN_ID"); id != "" {
			where += ", run " + id
		}
		r.ok("GitHub Actions", strings.TrimPrefix(where, ", "))
		if c.Getenv("GITHUB_TOKEN") != "" || c.Getenv("INPUT_GITHUB_TOKEN") != "" {
			r.ok("GitHub token", "present (not shown)")
		} else {
			r.fail(false, "GitHub token", "GITHUB_TOKEN is not set: no PR comment or commit status will be posted", "pass github_token: ${{ github.token }} to the action, or set env GITHUB_TOKEN")
		}
		for _, k := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"} {
			if c.Getenv(k) == "" {
				r.fail(false, k, "not set: the step summary and outputs cannot be written", "run inside a GitHub Actions step")
			}
		}
	} else {
		r.info("GitHub Actions", "not running in GitHub Actions (GITHUB_ACTIONS is not \"true\"); reports go to the terminal")
	}

	// Config file.
	path := *cfgPath
	if path == "" {
		if wd, err := env.wd(); err == nil {
			path = config.Find(wd)
		}
	}
	if path == "" {
		r.info("config", "no "+config.FileName+" in the working directory; flags and defaults apply")
	} else if cfg, err := config.Load(path); err != nil {
		detail, fix := errParts(err)
		r.fail(true, "config", detail, fix)
	} else {
		r.ok("config "+path, fmt.Sprintf("valid (%d settings, %d cases)", len(cfg.Settings), len(cfg.Cases)))
	}

	fmt.Fprintln(c.Stdout)
	if len(r.gpuFailures) == 0 {
		fmt.Fprintln(c.Stdout, "GPU path: ready")
	} else {
		fmt.Fprintf(c.Stdout, "GPU path: not ready (%s)\n", strings.Join(r.gpuFailures, ", "))
	}
	if len(r.cpuFailures) > 0 {
		fmt.Fprintf(c.Stdout, "CPU path: not ready (%s)\n", strings.Join(r.cpuFailures, ", "))
		return errs.Envf("doctor", "fix the lines marked ✗ above", "the CPU path is not ready: %s", strings.Join(r.cpuFailures, ", "))
	}
	fmt.Fprintln(c.Stdout, "CPU path: ready")
	return nil
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
