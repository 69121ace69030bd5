package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/report/github/githubtest"
)

// readAction returns the repository root and its parsed action.yml.
func readAction(t *testing.T) (string, actionMeta) {
	t.Helper()
	root, err := githubtest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta actionMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	return root, meta
}

// releaseAsset is the release archive the action downloads on this machine.
var releaseAsset = "yologate-linux-" + runtime.GOARCH + ".tar.gz"

// stubYologate is a stand-in binary: it says which one it is and passes.
func stubYologate(name string) []byte {
	return []byte("#!/bin/sh\necho \"yologate " + name + " $*\"\n")
}

// writeRelease lays out a release of ref in dir as the release workflow
// publishes it: the archive with one file, yologate, and SHA256SUMS.
func writeRelease(t *testing.T, dir, ref string, sums func(sum string) string) {
	t.Helper()
	packRelease(t, dir, ref, stubYologate("release "+ref), sums)
}

// packRelease lays out a release of ref in dir whose yologate is body.
func packRelease(t *testing.T, dir, ref string, body []byte, sums func(sum string) string) {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "yologate", Mode: 0o755, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	zw.Close()
	rel := filepath.Join(dir, ref)
	if err := os.MkdirAll(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rel, releaseAsset), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(buf.Bytes()))
	if err := os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(sums(sum)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestActionInstallsRelease runs the action on a runner with no yologate
// on PATH, against a local release folder: a released ref installs the
// verified binary without Go; a wrong checksum stops with exit 3 and the
// fix; a ref without a release (or without this machine's asset) builds
// from source, and without Go says how to get a binary.
func TestActionInstallsRelease(t *testing.T) {
	root, meta := readAction(t)
	releases := t.TempDir()
	good := func(sum string) string {
		return sum + "  " + releaseAsset + "\n" + strings.Repeat("0", 64) + "  yologate-darwin-arm64.tar.gz\n"
	}
	writeRelease(t, releases, "v9.9.9", good)
	writeRelease(t, releases, "v9.9.8", func(string) string { return strings.Repeat("ab", 32) + "  " + releaseAsset + "\n" })
	writeRelease(t, releases, "v9.9.7", func(sum string) string { return sum + "  yologate-windows-amd64.tar.gz\n" })

	// A stand-in go that "builds" by writing a stub to -o.
	goDir := t.TempDir()
	fakeGo := "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = -o ] && { shift; printf '#!/bin/sh\\necho \"yologate built from source $*\"\\n' > \"$1\"; chmod 755 \"$1\"; }; shift; done\n"
	if err := os.WriteFile(filepath.Join(goDir, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	// The tools a runner has, without yologate or Go.
	tools := t.TempDir()
	for _, tool := range []string{"bash", "sh", "curl", "awk", "sha256sum", "cut", "tar", "gzip", "mktemp", "mkdir", "mv", "rm", "chmod", "uname", "cat", "dirname"} {
		p, err := lookTool(tool)
		if err != nil {
			t.Skipf("%s not found", tool)
		}
		if err := os.Symlink(p, filepath.Join(tools, tool)); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name, ref string
		withGo    bool
		code      int
		want      []string
	}{
		{"released ref", "v9.9.9", false, 0, []string{"yologate release v9.9.9 version", releaseAsset + " verified"}},
		{"wrong checksum", "v9.9.8", true, 3, []string{"does not match its SHA256SUMS", "rerun the job"}},
		{"no asset for this machine", "v9.9.7", true, 0, []string{"has no " + releaseAsset, "yologate built from source"}},
		{"a commit ref builds from source", "0123abcd", true, 0, []string{"no release 0123abcd", "yologate built from source"}},
		{"no release and no Go", "main", false, 3, []string{"no release of yologate for this action's ref (main) and no Go"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			path := tools
			if tc.withGo {
				path = goDir + ":" + tools
			}
			a := &actionRunner{
				t: t, root: root, meta: meta, ref: tc.ref, steps: map[string]map[string]string{},
				inputs: map[string]string{"results": "head.json", "baseline": "b.yaml", "comment": "never"},
				env: map[string]string{
					"PATH": path, "GITHUB_WORKSPACE": work, "RUNNER_TEMP": filepath.Join(work, "tmp"),
					"YOLOGATE_RELEASE_URL": "file://" + releases, "HOME": work,
				},
			}
			failed, code, stdout, stderr := a.run()
			out := stdout + stderr
			if code != tc.code || (tc.code != 0 && failed != "setup") {
				t.Fatalf("step %q exited %d, want %d from setup:\n%s", failed, code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.code == 0 {
				if bin := a.steps["setup"]["bin"]; bin != filepath.Join(work, "tmp", "yologate", "yologate") {
					t.Errorf("bin = %q, want the installed one in RUNNER_TEMP", bin)
				}
			} else if _, err := os.Stat(filepath.Join(work, "tmp", "yologate", "yologate")); err == nil {
				t.Error("a binary was installed although the step failed")
			}
		})
	}
}

// lookTool finds a command in the usual system folders.
func lookTool(name string) (string, error) {
	for _, d := range []string{"/usr/bin", "/bin", "/usr/local/bin"} {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// TestActionPassesOnlySetInputs runs the action with a stand-in yologate
// that prints its arguments: an input left empty passes no flag (so
// .yologate.yml decides), a set one passes exactly its value.
func TestActionPassesOnlySetInputs(t *testing.T) {
	root, meta := readAction(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "yologate"), stubYologate("on PATH"), 0o755); err != nil {
		t.Fatal(err)
	}
	booleans := []string{"--fail-on-inconclusive", "--check-run", "--status", "--confirm", "--require-baseline"}
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"empty inputs", map[string]string{}, nil},
		{"set inputs", map[string]string{"fail_on_inconclusive": "true", "check_run": "true", "status": "false", "confirm": "false", "require_baseline": "true"},
			[]string{"--fail-on-inconclusive=true", "--check-run=true", "--status=false", "--confirm=false", "--require-baseline=true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			tc.inputs["ort_lib"] = "/lib/libonnxruntime.so.1"
			a := &actionRunner{t: t, root: root, meta: meta, inputs: tc.inputs, steps: map[string]map[string]string{},
				env: map[string]string{"PATH": bin + ":/usr/bin:/bin", "GITHUB_WORKSPACE": work, "RUNNER_TEMP": work, "HOME": work}}
			failed, code, stdout, stderr := a.run()
			if code != 0 {
				t.Fatalf("step %s exited %d:\n%s%s", failed, code, stdout, stderr)
			}
			var gate string
			for _, line := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(line, "yologate on PATH gate ") {
					gate = line
				}
			}
			if gate == "" {
				t.Fatalf("the gate did not run:\n%s", stdout)
			}
			args := strings.Fields(gate)
			for _, flag := range booleans {
				var got []string
				for _, a := range args {
					if a == flag || strings.HasPrefix(a, flag+"=") {
						got = append(got, a)
					}
				}
				var want []string
				for _, w := range tc.want {
					if strings.HasPrefix(w, flag+"=") {
						want = append(want, w)
					}
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s: the gate got %v, want %v (%s)", flag, got, want, gate)
				}
			}
		})
	}
}
