package ort

import (
	"sort"

	onnx "github.com/yalue/onnxruntime_go"

	"github.com/yologate/yologate/internal/errs"
)

// Execution provider names, as they appear in case ids and results.
const (
	CPU      = "cpu"
	CUDA     = "cuda"
	TensorRT = "tensorrt"
)

// ProviderNames lists every provider yologate knows, best first: the order
// in which `--ep auto` tries them.
var ProviderNames = []string{TensorRT, CUDA, CPU}

// Provider selects an execution provider and its options.
type Provider struct {
	// Name is CPU, CUDA or TensorRT.
	Name string
	// Device is the GPU index for CUDA and TensorRT; ignored on the CPU.
	Device int
	// Options are the provider's own options, passed to ONNX Runtime as
	// given (e.g. "cudnn_conv_algo_search": "EXHAUSTIVE", "trt_fp16_enable":
	// "1"); nil means the provider's defaults.
	Options map[string]string
}

func notAvailable(name string) error {
	return errs.Envf("--ep", `run "yologate doctor" to see the providers this machine has, or use --ep cpu`,
		"execution provider %q is not available in this build or on this machine", name)
}

// KnownProvider reports whether name is a provider yologate knows.
func KnownProvider(name string) bool {
	for _, n := range ProviderNames {
		if n == name {
			return true
		}
	}
	return false
}

// applyProvider appends cfg.Provider to opts; the CPU provider is always
// there and needs nothing appended.
func applyProvider(opts *onnx.SessionOptions, cfg *Config) error {
	switch cfg.Provider.Name {
	case CPU, "":
		if len(cfg.Provider.Options) != 0 {
			keys := make([]string, 0, len(cfg.Provider.Options))
			for k := range cfg.Provider.Options {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return errs.Usagef("--ep", "the CPU provider takes no options; use --threads for its thread count", "unexpected cpu provider option %q", keys[0])
		}
		return nil
	case CUDA:
		return appendCUDA(opts, cfg)
	case TensorRT:
		return appendTensorRT(opts, cfg)
	}
	return errs.Usagef("--ep", "valid providers: auto, cpu, cuda, tensorrt", "unknown execution provider %q", cfg.Provider.Name)
}

// Providers returns the execution providers usable with the loaded library,
// best first; CPU is always last. A GPU provider is listed when appending it
// to a session succeeds, which needs the provider in the ONNX Runtime build
// and its libraries (CUDA, cuDNN, TensorRT) on this machine. It returns nil
// before Load.
func Providers() []string {
	if !Loaded() {
		return nil
	}
	var out []string
	for _, name := range ProviderNames {
		if name == CPU || probe(name) == nil {
			out = append(out, name)
		}
	}
	return out
}

// probe appends provider name with its default options to throwaway session
// options.
func probe(name string) error {
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return errs.Envf("onnxruntime", "", "creating session options: %s", cleanMsg(err))
	}
	defer opts.Destroy()
	return applyProvider(opts, &Config{Provider: Provider{Name: name}})
}

// Available returns nil when provider name can be used, else an
// environment error (exit 3) that says so; an unknown name is a usage error.
func Available(name string) error {
	if !KnownProvider(name) {
		return errs.Usagef("--ep", "valid providers: auto, cpu, cuda, tensorrt", "unknown execution provider %q", name)
	}
	if name == CPU {
		return nil
	}
	if !Loaded() {
		return errs.Envf(LibraryEnv, fixLoad, "ONNX Runtime is not loaded")
	}
	return probe(name)
}
