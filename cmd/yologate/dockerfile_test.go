package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yologate/yologate/runner"
	"github.com/yologate/yologate/runner/ort"
)

// dockerInstructions reads a Dockerfile into instructions, continuation
// lines joined and comments dropped.
func dockerInstructions(t *testing.T, path string) [][2]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	var cur strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur.WriteString(strings.TrimSuffix(trimmed, "\\"))
		cur.WriteString(" ")
		if cont {
			continue
		}
		ins := strings.TrimSpace(cur.String())
		cur.Reset()
		if ins == "" {
			continue
		}
		op, rest, _ := strings.Cut(ins, " ")
		out = append(out, [2]string{strings.ToUpper(op), strings.TrimSpace(rest)})
	}
	return out
}

// TestDockerfile checks what can be checked without a Docker engine: every
// path copied from the build context exists, base images are pinned to
// exact tags and digests, the ONNX Runtime download is the tested version
// and is verified, TensorRT matches the base image's CUDA, the image runs
// as a non-root user and its default command is the standard benchmark.
func TestDockerfile(t *testing.T) {
	root := filepath.Join("..", "..")
	ins := dockerInstructions(t, filepath.Join(root, "Dockerfile"))
	args := map[string]string{}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{?([A-Z_]+)\}?`).ReplaceAllStringFunc(s, func(m string) string {
			return args[strings.Trim(m, "${}")]
		})
	}
	var froms []string
	var user, entry, cmd, env, download string
	var runs []string
	var verified bool
	labels := ""
	for _, in := range ins {
		op, rest := in[0], in[1]
		switch op {
		case "ARG":
			if k, v, ok := strings.Cut(rest, "="); ok && v != "" {
				if _, seen := args[k]; !seen {
					args[k] = v
				}
			}
		case "FROM":
			froms = append(froms, expand(strings.Fields(rest)[0]))
		case "COPY":
			if strings.Contains(rest, "--from=") {
				continue
			}
			fields := strings.Fields(rest)
			for _, src := range fields[:len(fields)-1] {
				if strings.HasPrefix(src, "--") {
					continue
				}
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("COPY %s: not in the repository", src)
				}
			}
		case "RUN":
			runs = append(runs, rest)
			if strings.Contains(rest, "sha256sum -c") && strings.Contains(rest, "ORT_GPU_SHA256") {
				verified = true
				download = rest
			}
		case "USER":
			user = rest
		case "ENTRYPOINT":
			entry = rest
		case "CMD":
			cmd = rest
		case "LABEL":
			labels += rest
		case "ENV":
			env += rest + " "
		}
	}
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:[0-9][0-9A-Za-z.-]*\d+\.\d+[0-9A-Za-z.-]*@sha256:[0-9a-f]{64}$`)
	for _, f := range froms {
		if f == "build" || f == "ort" {
			continue
		}
		if !pinned.MatchString(f) {
			t.Errorf("FROM %s: want an exact version tag and its digest (image:1.2.3@sha256:...)", f)
		}
	}
	// The GPU image runs the ONNX Runtime version the tests run on the CPU,
	// from the CUDA 12 release asset, checked against a real sha256.
	if v := args["ORT_VERSION"]; v != ort.DefaultVersion {
		t.Errorf("ORT_VERSION %s: want %s, the version make setup tests", v, ort.DefaultVersion)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(args["ORT_GPU_SHA256"]) {
		t.Errorf("ORT_GPU_SHA256 %q: want the asset's sha256 (64 hex digits)", args["ORT_GPU_SHA256"])
	}
	if !strings.Contains(download, "onnxruntime-linux-x64-gpu_cuda12-${ORT_VERSION}.tgz") {
		t.Errorf("the ONNX Runtime download %q: want the CUDA 12 asset onnxruntime-linux-x64-gpu_cuda12-${ORT_VERSION}.tgz", download)
	}
	// TensorRT is the major version the provider links (libnvinfer.so.10),
	// built for the CUDA minor version of the base image.
	trt := args["TENSORRT_VERSION"]
	cudaMinor := regexp.MustCompile(`nvidia/cuda:(\d+\.\d+)\.\d+-cudnn-runtime`).FindStringSubmatch(args["CUDA_IMAGE"])
	if !strings.HasPrefix(trt, strings.TrimPrefix(ort.TensorRTLibrary, "libnvinfer.so.")+".") || cudaMinor == nil || !strings.HasSuffix(trt, "+cuda"+cudaMinor[1]) {
		t.Errorf("TENSORRT_VERSION %q with CUDA_IMAGE %q: want TensorRT 10 built for the image's CUDA version", trt, args["CUDA_IMAGE"])
	}
	// Docker runs each RUN with /bin/sh -c: every one must at least parse.
	if sh, err := exec.LookPath("sh"); err == nil {
		for _, r := range runs {
			if out, err := exec.Command(sh, "-n", "-c", r).CombinedOutput(); err != nil {
				t.Errorf("RUN %.60s...: not valid sh: %v %s", r, err, out)
			}
		}
	}
	if !strings.Contains(env, runner.CacheEnv+"=") {
		t.Errorf("ENV: want %s set to a writable cache directory for TensorRT engines", runner.CacheEnv)
	}
	if len(froms) < 3 {
		t.Errorf("stages %v: want build, ort and runtime", froms)
	}
	if !verified {
		t.Error("the ONNX Runtime download is not checked with sha256sum")
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("USER %q: want a non-root user", user)
	}
	for _, l := range []string{"org.opencontainers.image.version", "io.yologate.onnxruntime.version", "io.yologate.tensorrt.version"} {
		if !strings.Contains(labels, l) {
			t.Errorf("label %s missing", l)
		}
	}
	if !strings.Contains(entry, "yologate") {
		t.Errorf("ENTRYPOINT %s: want yologate", entry)
	}
	verb := strings.Trim(strings.Trim(cmd, "[]"), `" `)
	found := false
	for _, s := range subcommands {
		found = found || s.name == verb
	}
	if verb != "run" || !found {
		t.Errorf("CMD %s: want the standard benchmark (run)", cmd)
	}
}
