package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
// exact tags, the ONNX Runtime download is verified, the image runs as a
// non-root user and its default command is the standard benchmark.
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
	var user, entry, cmd string
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
			if strings.Contains(rest, "sha256sum -c") && strings.Contains(rest, "ORT_GPU_SHA256") {
				verified = true
			}
		case "USER":
			user = rest
		case "ENTRYPOINT":
			entry = rest
		case "CMD":
			cmd = rest
		case "LABEL":
			labels += rest
		}
	}
	for _, f := range froms {
		if f == "build" || f == "ort" {
			continue
		}
		_, tag, ok := strings.Cut(f, ":")
		if !ok || tag == "latest" || !regexp.MustCompile(`\d+\.\d+`).MatchString(tag) {
			t.Errorf("FROM %s: want an exact version tag", f)
		}
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
