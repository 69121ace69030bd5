package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionBaseRef runs the action's base_ref step in a real git checkout
// with a stand-in yologate: a tracked model is extracted as the base
// commit has it, a model the base lacks becomes none, a standard name
// passes as is, and a missing model input or an unknown commit stops the
// job with exit 2 and the fix.
func TestActionBaseRef(t *testing.T) {
	root, meta := readAction(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "yologate"), stubYologate("on PATH"), 0o755); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, content string) {
		t.Helper()
		p := filepath.Join(work, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	write("models/det.onnx", "the base's model")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	base := git("rev-parse", "HEAD")
	write("models/det.onnx", "the head's model")
	write("models/added.onnx", "only in the head")
	git("add", ".")
	git("commit", "-q", "-m", "head")

	run := func(inputs map[string]string) (int, string) {
		t.Helper()
		inputs["ort_lib"] = "/lib/libonnxruntime.so.1"
		temp := t.TempDir()
		a := &actionRunner{t: t, root: root, meta: meta, inputs: inputs, steps: map[string]map[string]string{},
			env: map[string]string{"PATH": bin + ":/usr/bin:/bin", "GITHUB_WORKSPACE": work, "RUNNER_TEMP": temp, "HOME": temp}}
		_, code, stdout, stderr := a.run()
		return code, stdout + stderr
	}

	code, out := run(map[string]string{"base_ref": base, "model": "models/det.onnx,models/added.onnx,yolov8n"})
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var gate []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "yologate on PATH gate ") {
			gate = strings.Fields(line)
		}
	}
	var bases []string
	for i, a := range gate {
		if i+1 < len(gate) && a == "--base-model" {
			bases = append(bases, gate[i+1])
		}
		if i+1 < len(gate) && a == "--base-sha" && gate[i+1] != base {
			t.Errorf("--base-sha %s, want %s", gate[i+1], base)
		}
	}
	if len(bases) != 3 || !strings.HasSuffix(bases[0], "/yologate-base/models/det.onnx") || bases[1] != "none" || bases[2] != "yolov8n" {
		t.Fatalf("base models %q, want the extracted det.onnx, none, yolov8n (%s)", bases, out)
	}
	if data, err := os.ReadFile(bases[0]); err != nil || string(data) != "the base's model" {
		t.Errorf("extracted base model holds %q (%v), want the base commit's file", data, err)
	}

	for _, tc := range []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"no model input", map[string]string{"base_ref": base}, "base_ref needs the model input"},
		{"commit not in the checkout", map[string]string{"base_ref": strings.Repeat("0", 40), "model": "yolov8n"}, "fetch-depth: 0"},
	} {
		code, out := run(tc.inputs)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want 2 saying %q:\n%s", tc.name, code, tc.want, out)
		}
	}
}
