package history

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
)

func TestResolveReference(t *testing.T) {
	needGit(t)
	repo := t.TempDir()
	gitOut(t, repo, "init", "-q")
	gitOut(t, repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "first")
	gitOut(t, repo, "tag", "v1.0")
	sha := gitOut(t, repo, "rev-parse", "HEAD")
	base := &baselines.File{Path: "b.yaml"}
	ctx := context.Background()
	for _, tt := range []struct {
		spec   string
		base   *baselines.File
		want   Reference
		kind   errs.Kind
		errMsg string
	}{
		{spec: "v1.0", want: Reference{Label: "v1.0", Commit: sha}},
		{spec: "0123abc", want: Reference{Label: "0123abc", Commit: "0123abc"}},
		{spec: "baseline", base: base, want: Reference{Label: "baseline", Baseline: base}},
		{spec: "baseline", kind: errs.Usage, errMsg: "needs a baseline file"},
		{spec: "v9.9", kind: errs.Input, errMsg: "neither a commit nor a tag"},
		{spec: "--upload-pack=x", kind: errs.Usage, errMsg: "is not a reference"},
		{spec: "", kind: errs.Usage, errMsg: "is not a reference"},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ResolveReference(ctx, tt.spec, repo, tt.base)
			if tt.errMsg != "" {
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(err.Error(), tt.errMsg) || e.Where != "--drift-reference" {
					t.Errorf("error %v, want a %v error naming --drift-reference: %q", err, tt.kind, tt.errMsg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ResolveReference(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
			}
		})
	}
	if s := (Reference{Label: "v1.0", Commit: sha}).String(); s != "v1.0 ("+sha[:12]+")" {
		t.Errorf("String() = %q", s)
	}
	if s := (Reference{Label: sha[:9], Commit: sha[:9]}).String(); s != "commit "+sha[:9] {
		t.Errorf("String() = %q", s)
	}
}

// TestDriftOf judges this run against a reference: a commit's runs or a
// baseline median from its provenance date on.
func TestDriftOf(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	h := staircase(r, []float64{100, 97, 94}, 8, 0.002)
	k := h.Keys()[0]
	pts := h.Series(k, compare.FPS)
	opt := changepoint.Options{Seed: 5}

	ref := Reference{Commit: pts[0].Run.Commit}
	b, ok, err := DriftOf(k, pts, compare.FPS, ref, 93, 0.05, opt)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !b.Spent || b.Current != 93 || b.Main < 93.5 || b.Main > 94.5 || len(b.Culprits) != 2 || b.DriftPct < 6.5 || b.DriftPct > 7.5 {
		t.Errorf("this run at 93 against a reference at 100, budget 5%%: %+v", b)
	}
	b, _, _ = DriftOf(k, pts, compare.FPS, ref, 0, 0.10, opt)
	if b.Spent || b.Current != b.Main {
		t.Errorf("main's level against a 10%% budget: %+v", b)
	}
	if _, ok, _ := DriftOf(k, pts, compare.FPS, Reference{Commit: "fffffff"}, 93, 0.05, opt); ok {
		t.Errorf("a commit without runs gave a level")
	}

	// The baseline: its median, the runs since its provenance date.
	bf := &baselines.File{Profiles: []baselines.Profile{{Name: k.Profile, Cases: []baselines.Case{{ID: k.Case,
		Samples:    baselines.Samples{FPS: []float64{97, 97.2, 96.8}},
		Provenance: baselines.Provenance{Date: pts[8].Run.Date}}}}}}
	since, level, ok := (Reference{Baseline: bf}).Level(k, pts, compare.FPS)
	if !ok || level != 97 || len(since) != 16 || since[0].Run != pts[8].Run {
		t.Errorf("baseline level %v, %d runs since, ok %v", level, len(since), ok)
	}
	if _, _, ok := (Reference{Baseline: bf}).Level(Key{Profile: k.Profile, Case: "other"}, pts, compare.FPS); ok {
		t.Errorf("a case the baseline lacks had a level")
	}
}

func TestLeftOutNoteAndStores(t *testing.T) {
	h := &History{}
	if h.LeftOutNote() != "" {
		t.Errorf("a whole history has a note")
	}
	h.Warnings = []error{errors.New("history/runs/2026-12/a.hist:3: bad line"), errors.New("history/x.txt: not a history file")}
	if n := h.LeftOutNote(); !strings.Contains(n, "2 damaged or foreign part(s)") || !strings.Contains(n, "a.hist:3: bad line") || !strings.Contains(n, "1 more") {
		t.Errorf("note %q", n)
	}
	dir := filepath.Join(t.TempDir(), "h")
	if s := Open(dir, "", "").String(); s != dir {
		t.Errorf("folder store named %q", s)
	}
	if s := Open(dir, "https://x-access-token:secret@github.com/acme/detector.git", "").String(); s != "branch yologate-history of https://***@github.com/acme/detector.git" {
		t.Errorf("git store named %q", s)
	}
	run := synthRun(rand.New(rand.NewPCG(1, 2)), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 1, 3, 100)
	f := Open(dir, "", "")
	if _, err := f.Save(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	got, err := f.Read(context.Background())
	if err != nil || len(got.Runs) != 1 || got.Runs[0].ID != run.ID {
		t.Errorf("folder store read %+v, %v", got, err)
	}
}
