package runner

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

const busJPG = "../../shared/testdata/images/bus.jpg"

// testFrame is a w×h gradient, a stand-in camera frame.
func testFrame(w, h int) Frame {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return Frame{Path: "gradient.png", Image: yolo.ToRGB(img)}
}

func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFrames(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "b.png"), 4, 3)
	writePNG(t, filepath.Join(dir, "a.png"), 2, 2)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.png"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	var warned []string
	frames, err := LoadFrames([]string{dir}, func(p string, err error) { warned = append(warned, filepath.Base(p)) })
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, f := range frames {
		got = append(got, filepath.Base(f.Path))
	}
	if diff := cmp.Diff([]string{"a.png", "b.png"}, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"notes.txt"}, warned); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}

	empty := t.TempDir()
	junk := t.TempDir()
	os.WriteFile(filepath.Join(junk, "x.jpg"), []byte("not a jpeg"), 0o644)
	for name, in := range map[string][]string{
		"empty folder":     {empty},
		"only junk":        {junk},
		"missing":          {filepath.Join(empty, "nope")},
		"named bad file":   {filepath.Join(junk, "x.jpg")},
		"nothing given":    nil,
		"two empty inputs": {empty, junk},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadFrames(in, nil)
			if k := errs.KindOf(err); k != errs.Input && k != errs.Usage {
				t.Errorf("err = %v (kind %v), want an input or usage error", err, k)
			}
		})
	}
}

// TestRunWorkloadE2ERealModel runs the real yolov8n export end to end on
// bus.jpg and a portrait frame.
func TestRunWorkloadE2ERealModel(t *testing.T) {
	loadORT(t)
	needFile(t, int8Model)
	needFile(t, busJPG)
	frames, err := LoadFrames([]string{busJPG}, nil)
	if err != nil {
		t.Fatal(err)
	}
	frames = append(frames, testFrame(90, 160))
	specs, err := Plan{Models: []string{int8Model}, Provider: "cpu", Threads: 1}.Specs()
	if err != nil {
		t.Fatal(err)
	}
	opt := quick()
	opt.Warmup = Amount{Iterations: 2}
	opt.Benchtime = Amount{Iterations: 2}
	opt.Count = 1
	f, err := RunWorkload(context.Background(), specs, opt, Workload{Frames: frames})
	if err != nil {
		t.Fatal(err)
	}
	if err := results.Validate("run", f); err != nil {
		t.Fatal(err)
	}
	c := f.Cases[0]
	if c.ID != specs[0].ID()+"/mode=e2e" || c.Mode != results.ModeE2E || !strings.Contains(c.Includes, "letterbox") {
		t.Errorf("case id %q mode %q includes %q", c.ID, c.Mode, c.Includes)
	}
	var names []string
	for _, s := range c.Stages {
		names = append(names, s.Name)
		if !(s.P50MS > 0) || !(s.MeanMS > 0) {
			t.Errorf("stage %+v has no time", s)
		}
	}
	if diff := cmp.Diff([]string{"preprocess", "inference", "postprocess"}, names); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if r := c.Repeats[0]; r.Iterations != 2 || r.Frames != 2 || len(r.LatenciesNS) != 2 {
		t.Errorf("repeat %+v, want 2 iterations of one frame", r)
	}
}

// TestRunWorkloadStreams runs three concurrent streams of the generated
// model, on one shared session and on one session each, in both modes.
func TestRunWorkloadStreams(t *testing.T) {
	loadORT(t)
	spec := smallSpec(t)
	frames := []Frame{testFrame(64, 48), testFrame(30, 70)}
	for _, tc := range []struct {
		name string
		w    Workload
		id   string
	}{
		{"infer shared", Workload{Streams: 3}, "/streams=3"},
		{"infer per stream", Workload{Streams: 3, Sessions: SessionPerStream}, "/streams=3/sessions=per-stream"},
		{"e2e shared", Workload{Streams: 3, Frames: frames}, "/mode=e2e/streams=3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := quick()
			f, err := RunWorkload(context.Background(), []Spec{spec}, opt, tc.w)
			if err != nil {
				t.Fatal(err)
			}
			c := f.Cases[0]
			if c.ID != spec.ID()+tc.id || c.Streams != 3 {
				t.Errorf("case %q streams %d", c.ID, c.Streams)
			}
			if len(c.Repeats) != opt.Count {
				t.Fatalf("%d repeats, want %d", len(c.Repeats), opt.Count)
			}
			for _, r := range c.Repeats {
				if len(r.Streams) != 3 || r.Iterations != 9 || r.Frames != 9 || len(r.LatenciesNS) != 9 {
					t.Errorf("repeat: %d streams, %d iterations, %d frames", len(r.Streams), r.Iterations, r.Frames)
				}
				for k, s := range r.Streams {
					if s.Stream != k || s.Iterations != 3 || !(s.FPS > 0) {
						t.Errorf("stream %d: %+v", k, s)
					}
				}
			}
			if (len(c.Stages) == 3) != (tc.w.Mode() == results.ModeE2E) {
				t.Errorf("stages %+v in mode %s", c.Stages, tc.w.Mode())
			}
		})
	}
}

func TestWorkloadCheck(t *testing.T) {
	for _, w := range []Workload{{Streams: -1}, {Streams: MaxStreams + 1}, {Sessions: "sometimes"}} {
		if errs.KindOf(w.Check()) != errs.Usage {
			t.Errorf("%+v: want a usage error", w)
		}
	}
	f, err := RunWorkload(context.Background(), nil, quick(), Workload{Streams: -1})
	if err == nil || f == nil || f.Status != results.StatusIncomplete {
		t.Errorf("bad workload: file %+v, err %v", f, err)
	}
}

// TestPipelineAllocatesNothing checks the timed end-to-end iteration
// (letterbox, run, decode + NMS) on frames of two sizes in a batch of two.
func TestPipelineAllocatesNothing(t *testing.T) {
	loadORT(t)
	specs, err := Plan{Models: []string{"yolov8n"}, Sizes: []Size{{64, 64}}, Batches: []int{2}, Provider: "cpu", Threads: 1}.Specs()
	if err != nil {
		t.Fatal(err)
	}
	wc, err := prepareWorkload(context.Background(), &specs[0], quick(), Workload{Streams: 1, Frames: []Frame{testFrame(64, 48), testFrame(30, 70)}})
	if err != nil {
		t.Fatal(err)
	}
	defer wc.close()
	ss := wc.streams[0]
	frames := wc.w.Frames
	iterate := func() {
		if ss.next, _, err = ss.pipe.iterate(frames, ss.next, ss.t); err != nil {
			t.Fatal(err)
		}
	}
	iterate()
	if a := testing.AllocsPerRun(3, iterate); a != 0 {
		t.Errorf("end-to-end iteration allocates %v times, want 0", a)
	}
}

func TestParseNames(t *testing.T) {
	tests := []struct {
		in   string
		want map[int]string
		ok   bool
	}{
		{"{0: 'person', 1: 'bicycle'}", map[int]string{0: "person", 1: "bicycle"}, true},
		{`{0: "traffic light", 2: 'it\'s'}`, map[int]string{0: "traffic light", 2: "it's"}, true},
		{"{}", map[int]string{}, true},
		{"{0: 'a',}", map[int]string{0: "a"}, true},
		{"['a', 'b']", nil, false},
		{"{0: person}", nil, false},
		{"{x: 'a'}", nil, false},
		{"{0: 'a' 1: 'b'}", nil, false},
		{"{0: 'a}", nil, false},
		{"", nil, false},
	}
	for _, tc := range tests {
		got, ok := parseNames(tc.in)
		if ok != tc.ok || !cmp.Equal(got, tc.want) {
			t.Errorf("parseNames(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseNames(f *testing.F) {
	f.Add("{0: 'person', 1: 'bicycle'}")
	f.Add(`{0: "a\"b", 7: 'c'}`)
	f.Add("{0: 'a',}")
	f.Fuzz(func(t *testing.T, s string) {
		names, ok := parseNames(s)
		if ok && names == nil {
			t.Fatal("ok without a map")
		}
		for k := range names {
			if k < 0 {
				t.Fatalf("negative class %d", k)
			}
		}
	})
}
