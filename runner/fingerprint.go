package runner

import (
	"bufio"
	"os"
	"runtime"
	"strings"

	"github.com/yologate/yologate/runner/ort"
	"github.com/yologate/yologate/runner/results"
)

// Environment is what the fingerprint needs from outside the runner.
type Environment struct {
	// Version and Commit identify the yologate binary.
	Version, Commit string
	// Getenv reads the environment (CI variables); nil means os.Getenv.
	Getenv func(string) string
	// GPUs describes the machine's GPUs; nil on a machine without GPU
	// support (the fingerprint then lists none).
	GPUs func() ([]results.GPU, error)
}

// Fingerprint describes this machine and software stack: CPU model and
// logical CPUs, OS and kernel, Go, ONNX Runtime (version, library,
// providers), GPUs when e.GPUs is set, yologate's version and commit, and the
// GitHub Actions run when there is one. ONNX Runtime must be loaded for its
// part to be filled.
func (e Environment) Fingerprint() results.Fingerprint {
	getenv := e.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	fp := results.Fingerprint{
		Host: results.Host{
			CPUModel:  cpuModel(),
			CPUCores:  runtime.NumCPU(),
			OS:        osName(),
			Kernel:    readTrim("/proc/sys/kernel/osrelease"),
			Arch:      runtime.GOARCH,
			GoVersion: runtime.Version(),
		},
		Runtime: results.Runtime{
			ORTVersion: ort.Version(),
			ORTLibrary: ort.LibraryPath(),
			Providers:  ort.Providers(),
		},
		Yologate:       results.Yologate{Version: e.Version, Commit: e.Commit},
		ContainerImage: getenv("YOLOGATE_CONTAINER_IMAGE"),
	}
	if fp.Runtime.Providers == nil {
		fp.Runtime.Providers = []string{}
	}
	if contains(fp.Runtime.Providers, ort.TensorRT) {
		if v, err := ort.TensorRTVersion(); err == nil {
			fp.Runtime.TensorRTVersion = v
		}
	}
	if e.GPUs != nil {
		if gpus, err := e.GPUs(); err == nil {
			fp.GPUs = gpus
		}
	}
	if getenv("GITHUB_ACTIONS") == "true" {
		ci := &results.CI{System: "github-actions", Commit: getenv("GITHUB_SHA"), Ref: getenv("GITHUB_REF")}
		if srv, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID"); srv != "" && repo != "" && id != "" {
			ci.RunURL = srv + "/" + repo + "/actions/runs/" + id
		}
		fp.CI = ci
	}
	return fp
}

// cpuModel reads the CPU model name from /proc/cpuinfo ("model name" on
// x86, "Model" or "Hardware" on ARM); "" when unknown.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	fallback := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Join(strings.Fields(v), " ")
		switch k {
		case "model name":
			return v
		case "Model", "Hardware", "cpu model":
			if fallback == "" {
				fallback = v
			}
		}
	}
	return fallback
}

// osName is the distribution's PRETTY_NAME from /etc/os-release, else GOOS.
func osName() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return runtime.GOOS
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// LoadRuntime loads ONNX Runtime from the --ort-lib flag value, else
// YOLOGATE_ORT_LIB, else the copy `make setup` keeps in .cache/ort. Failure
// is an environment error (exit 3) naming the variable and `make setup`.
func LoadRuntime(flag string, getenv func(string) string) error {
	path, source := ort.FindLibrary(flag, getenv)
	return ort.Load(path, source)
}
