package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

func TestLabelPath(t *testing.T) {
	tests := []struct {
		image, labels string
		want          []string
	}{
		{"data/images/val/bus.jpg", "", []string{"data/labels/val/bus.txt", "data/images/val/bus.txt"}},
		{"images/a/images/x.png", "", []string{"images/a/labels/x.txt", "images/a/images/x.txt"}},
		{"perf/ref/bus.jpeg", "", []string{"perf/ref/bus.txt"}},
		{"perf/ref/bus.v2.jpg", "perf/labels", []string{"perf/labels/bus.v2.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if d := cmp.Diff(tt.want, LabelPath(tt.image, tt.labels)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestLoadCheckImages(t *testing.T) {
	dir := t.TempDir()
	images, labels := filepath.Join(dir, "images"), filepath.Join(dir, "labels")
	for _, d := range []string{images, labels} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writePNG(t, filepath.Join(images, "b.png"), 40, 30)
	writePNG(t, filepath.Join(images, "a.png"), 20, 10)
	writePNG(t, filepath.Join(images, "c.png"), 8, 8)
	if err := os.WriteFile(filepath.Join(labels, "a.txt"), []byte("0 0.5 0.5 1 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(images, "c.txt"), []byte(""), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(images, "notes.md"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckImages([]string{images}, "")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Path, LabelFile, Labels string }
	var rows []row
	for _, im := range got {
		rows = append(rows, row{filepath.Base(im.Path), strings.TrimPrefix(im.LabelFile, dir+"/"), string(im.Labels)})
	}
	want := []row{{"a.png", "labels/a.txt", "0 0.5 0.5 1 1\n"}, {"b.png", "", ""}, {"c.png", "images/c.txt", ""}}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("images (-want +got):\n%s", d)
	}
	if got[0].Image.W != 20 || got[0].Image.H != 10 {
		t.Errorf("a.png decoded as %dx%d", got[0].Image.W, got[0].Image.H)
	}

	// --labels points elsewhere: only that folder counts.
	got, err = LoadCheckImages([]string{filepath.Join(images, "a.png")}, images)
	if err != nil || len(got) != 1 || got[0].LabelFile != "" {
		t.Errorf("with --labels images/: %+v, %v; want a.png without labels", got, err)
	}
}

// TestCheckAccuracyRealModel runs the check on the real export: the
// detections are the ones yologate detect finds, the labels' file is kept.
func TestCheckAccuracyRealModel(t *testing.T) {
	loadORT(t)
	needFile(t, int8Model)
	needFile(t, busJPG)
	imgs, err := LoadCheckImages([]string{busJPG}, "")
	if err != nil {
		t.Fatal(err)
	}
	imgs[0].LabelFile = "bus.txt"
	specs, err := Plan{Models: []string{int8Model}, Provider: "cpu", Threads: 1}.Specs()
	if err != nil {
		t.Fatal(err)
	}
	if n := specs[0].Model.Classes(); n != 80 {
		t.Errorf("Classes() = %d, want 80", n)
	}
	f := &results.File{Cases: []results.Case{{ID: specs[0].ID()}}}
	if err := CheckAccuracy(context.Background(), specs, f, imgs, AccuracyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	a := f.Cases[0].Accuracy
	if a == nil || a.ScoreThreshold != 0.25 || a.IoUThreshold != 0.45 || a.Classes != 80 || len(a.Images) != 1 {
		t.Fatalf("accuracy = %+v", a)
	}
	im := a.Images[0]
	if im.Width != 800 || im.Height != 445 || im.LabelFile != "bus.txt" {
		t.Errorf("image %s %dx%d label %q", im.Image, im.Width, im.Height, im.LabelFile)
	}
	buses := 0
	for _, d := range im.Detections {
		if d.Score < 0.25 {
			t.Errorf("detection below the score threshold: %+v", d)
		}
		if d.Name == "bus" && d.Score > 0.85 {
			buses++
		}
	}
	if buses != 1 {
		t.Errorf("%d confident buses, want 1: %+v", buses, im.Detections)
	}
	// A higher threshold keeps fewer boxes.
	g := &results.File{Cases: []results.Case{{ID: specs[0].ID()}}}
	if err := CheckAccuracy(context.Background(), specs, g, imgs, AccuracyOptions{ScoreThreshold: 0.9}, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(g.Cases[0].Accuracy.Images[0].Detections); n == 0 || n >= len(im.Detections) {
		t.Errorf("at score 0.9: %d detections, want between 1 and %d", n, len(im.Detections)-1)
	}
}
