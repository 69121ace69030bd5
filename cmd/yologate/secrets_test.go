package main

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/report/github/githubtest"
)

// sentinelToken stands for a real token: the test fails if it shows up
// anywhere the gate prints or writes.
const sentinelToken = "ghs_SENTINEL0tokenNeverPrint1234567890ab"

// TestTokenNeverLeaks runs every command through the built binary in a
// simulated Actions job whose GITHUB_TOKEN is a sentinel, against a fake
// GitHub that also fails some calls, and searches stdout, stderr and every
// file written (results, reports, summary, outputs, comment) for it.
func TestTokenNeverLeaks(t *testing.T) {
	bin := builtBinary(t)
	base := matrixEnv(t)
	a := newActionsEnv(t, false)
	a.vars["GITHUB_TOKEN"] = sentinelToken
	a.vars["INPUT_GITHUB_TOKEN"] = sentinelToken
	env := append([]string{}, base...)
	for k, v := range a.vars {
		env = append(env, k+"="+v)
	}
	work := a.dir
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 64, 48))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "tiny.png"), img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	quick := []string{"--imgsz", "64", "--warmup", "0", "--benchtime", "3x", "--count", "3"}
	steps := []struct {
		args []string
		// fault is queued on the fake before the step, so that errors
		// and retries are searched too.
		fault *githubtest.Canned
	}{
		{args: []string{"version"}},
		{args: []string{"doctor"}},
		{args: []string{"models", "list"}},
		{args: []string{"models", "generate", "yolov8n", "--imgsz", "64", "-o", "m.onnx"}},
		{args: []string{"models", "inspect", "m.onnx"}},
		{args: append([]string{"run", "--model", "m.onnx", "--out", "r.json"}, quick...)},
		{args: []string{"baseline", "update", "--baseline", "b.yaml", "--results", "r.json", "--reason", "first"}},
		{args: []string{"baseline", "show", "--baseline", "b.yaml"}},
		{args: []string{"compare", "--baseline", "b.yaml", "--results", "r.json", "--format", "markdown"}},
		{args: []string{"gate", "--baseline", "b.yaml", "--results", "r.json", "--report", "gate.json", "--comment-file", "comment.md"}},
		{args: []string{"gate", "--baseline", "b.yaml", "--results", "r.json"}, fault: &githubtest.Canned{Status: 401, Body: `{"message":"Bad credentials ` + sentinelToken + `"}`}},
		{args: append([]string{"gate", "--baseline", "b.yaml", "--model", "m.onnx", "--confirm=false", "--out", "g.json"}, quick...)},
		{args: []string{"merge", "gate.json"}},
		{args: []string{"report", "--results", "r.json", "--baseline", "b.yaml", "-o", "r.html"}},
		{args: append([]string{"ab", "--a", "m.onnx", "--b", "m.onnx", "--out-a", "a.json", "--out-b", "b.json"}, quick...)},
		{args: []string{"detect", "--model", "m.onnx", "--imgsz", "64", "tiny.png"}},
		{args: []string{"capacity", "--model", "m.onnx", "--target-fps", "1", "--max-streams", "1", "--imgsz", "64", "--warmup", "0", "--benchtime", "3x", "--count", "3", "--out", "cap.json"}},
		{args: []string{"sweep", "--model", "m.onnx", "--imgsz", "64", "--batch", "1", "--warmup", "0", "--benchtime", "3x", "--count", "3", "--out", "sweep.json"}},
		{args: []string{"compare", "--baseline", filepath.Join(work, "missing.yaml"), "--results", "r.json"}},
	}
	leaks := func(what, s string) {
		t.Helper()
		for _, form := range []string{sentinelToken, base64.StdEncoding.EncodeToString([]byte(sentinelToken)), "SENTINEL0token"} {
			if strings.Contains(s, form) {
				t.Errorf("the token appears in %s", what)
			}
		}
	}
	for _, st := range steps {
		if st.fault != nil {
			a.gh.Fail("GET comments", *st.fault)
			a.gh.Fail("POST status", *st.fault)
		}
		cmd := exec.Command(bin, st.args...)
		cmd.Dir = work
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.Join(st.args[:min(2, len(st.args))], " ")
		t.Logf("%s: exit %d", name, code)
		// Every step must have done its work (or, for the missing file,
		// failed as an input error), so that the search covers real output.
		want := 0
		if strings.Contains(strings.Join(st.args, " "), "missing.yaml") {
			want = 2
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d\nstderr: %s", name, code, want, stderr.String())
		}
		leaks(name+" stdout", stdout.String())
		leaks(name+" stderr", stderr.String())
	}
	files := 0
	err := filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		leaks(path, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The token was really there to leak: the fake saw it on the wire.
	sent := false
	for _, h := range a.gh.Auth {
		sent = sent || h == "Bearer "+sentinelToken
	}
	if !sent {
		t.Error("no request carried the token: the test searched nothing that could leak it")
	}
	t.Logf("%d commands, %d files searched", len(steps), files)
}
