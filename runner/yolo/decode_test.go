package yolo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func box(x1, y1, x2, y2, score float32, class, index int32) NMSBox {
	return NMSBox{X1: x1, Y1: y1, X2: x2, Y2: y2, Score: score, Class: class, Index: index}
}

func TestIoU(t *testing.T) {
	tests := []struct {
		name string
		a, b NMSBox
		want float32
	}{
		{"identical", box(0, 0, 10, 10, 1, 0, 0), box(0, 0, 10, 10, 1, 0, 1), 1},
		{"half overlap", box(0, 0, 10, 10, 1, 0, 0), box(5, 0, 15, 10, 1, 0, 1), 50.0 / 150},
		{"touching", box(0, 0, 10, 10, 1, 0, 0), box(10, 0, 20, 10, 1, 0, 1), 0},
		{"disjoint", box(0, 0, 1, 1, 1, 0, 0), box(5, 5, 6, 6, 1, 0, 1), 0},
		{"contained", box(0, 0, 10, 10, 1, 0, 0), box(0, 0, 5, 10, 1, 0, 1), 0.5},
		{"degenerate", box(3, 3, 3, 3, 1, 0, 0), box(3, 3, 3, 3, 1, 0, 1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IoU(&tc.a, &tc.b); got != tc.want {
				t.Errorf("IoU = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNMSInto(t *testing.T) {
	tests := []struct {
		name     string
		boxes    []NMSBox
		iou      float32
		maxCand  int
		maxDet   int
		agnostic bool
		// want lists the Index of each kept box, best first.
		want []int32
	}{
		{name: "empty", iou: 0.45, want: []int32{}},
		{
			name: "all overlapping keeps the best", iou: 0.45,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.5, 0, 0), box(1, 1, 11, 11, 0.9, 0, 1), box(0, 1, 10, 11, 0.7, 0, 2)},
			want:  []int32{1},
		},
		{
			name: "tie keeps the lower index", iou: 0.45,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.8, 0, 7), box(0, 0, 10, 10, 0.8, 0, 3)},
			want:  []int32{3},
		},
		{
			name: "one class suppresses", iou: 0.45,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.9, 2, 0), box(0, 0, 10, 9, 0.8, 2, 1)},
			want:  []int32{0},
		},
		{
			name: "many classes do not suppress each other", iou: 0.45,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.9, 2, 0), box(0, 0, 10, 9, 0.8, 5, 1), box(0, 0, 10, 10, 0.7, 2, 2)},
			want:  []int32{0, 1},
		},
		{
			name: "agnostic suppresses across classes", iou: 0.45, agnostic: true,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.9, 2, 0), box(0, 0, 10, 9, 0.8, 5, 1)},
			want:  []int32{0},
		},
		{
			// IoU exactly 0.5 is not above a 0.5 threshold: both stay.
			name: "threshold is strict", iou: 0.5,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.9, 0, 0), box(0, 0, 5, 10, 0.8, 0, 1)},
			want:  []int32{0, 1},
		},
		{
			// The suppressed box 1 does not suppress box 2.
			name: "chain", iou: 0.3,
			boxes: []NMSBox{box(0, 0, 10, 10, 0.9, 0, 0), box(4, 0, 14, 10, 0.8, 0, 1), box(12, 0, 22, 10, 0.7, 0, 2)},
			want:  []int32{0, 2},
		},
		{
			name: "max detections", iou: 0.45, maxDet: 2,
			boxes: []NMSBox{box(0, 0, 1, 1, 0.1, 0, 0), box(2, 2, 3, 3, 0.3, 0, 1), box(4, 4, 5, 5, 0.2, 0, 2)},
			want:  []int32{1, 2},
		},
		{
			name: "max candidates", iou: 0.45, maxCand: 1,
			boxes: []NMSBox{box(0, 0, 1, 1, 0.1, 0, 0), box(2, 2, 3, 3, 0.3, 0, 1)},
			want:  []int32{1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keep := NMSInto(nil, tc.boxes, tc.iou, tc.maxCand, tc.maxDet, tc.agnostic)
			got := []int32{}
			for _, k := range keep {
				got = append(got, tc.boxes[k].Index)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
		})
	}
}

// head builds a [4+nc, n] output from per-anchor (cx, cy, w, h, scores...).
func head(nc int, anchors ...[]float32) []float32 {
	n := len(anchors)
	out := make([]float32, (4+nc)*n)
	for a, v := range anchors {
		for r := 0; r < 4+nc; r++ {
			out[r*n+a] = v[r]
		}
	}
	return out
}

func TestDecode(t *testing.T) {
	// bus.jpg's geometry: 800x445 into 640, ratio 0.8, 142 rows of padding on top.
	bus, _ := NewLetterboxGeometry(800, 445, 640, 640)
	tests := []struct {
		name string
		out  []float32
		nc   int
		opt  DecodeOptions
		want []Detection
	}{
		{
			// (320, 320, 64, 32) → corners (288, 304)-(352, 336) → /0.8 after
			// removing 142 rows: (360, 202.5)-(440, 242.5).
			name: "scaled back", nc: 2,
			out:  head(2, []float32{320, 320, 64, 32, 0.1, 0.9}),
			want: []Detection{{Class: 1, Score: 0.9, X1: 360, Y1: 202.5, X2: 440, Y2: 242.5}},
		},
		{
			// A box over the padding and past the right edge is clipped to 800x445.
			name: "clipped", nc: 1,
			out:  head(1, []float32{620, 130, 80, 40, 0.5}),
			want: []Detection{{Class: 0, Score: 0.5, X1: 725, Y1: 0, X2: 800, Y2: 10}},
		},
		{
			// Scores equal to the threshold are dropped, as Ultralytics' conf > thres.
			name: "threshold is strict", nc: 1, opt: DecodeOptions{ScoreThreshold: 0.5},
			out:  head(1, []float32{100, 300, 10, 10, 0.5}, []float32{200, 300, 10, 10, 0.51}),
			want: []Detection{{Class: 0, Score: 0.51, X1: 243.75, Y1: 191.25, X2: 256.25, Y2: 203.75}},
		},
		{
			name: "nothing above threshold", nc: 3,
			out:  head(3, []float32{100, 300, 10, 10, 0.1, 0.2, 0.25}),
			want: []Detection{},
		},
		{
			// Same box, two anchors: class 0 at 0.8 and class 1 at 0.7 both
			// survive class-aware NMS; a weaker class-0 duplicate does not.
			name: "class aware", nc: 2,
			out: head(2,
				[]float32{320, 320, 80, 80, 0.8, 0.1},
				[]float32{320, 320, 80, 80, 0.2, 0.7},
				[]float32{322, 320, 80, 80, 0.6, 0.3}),
			want: []Detection{
				{Class: 0, Score: 0.8, X1: 350, Y1: 172.5, X2: 450, Y2: 272.5},
				{Class: 1, Score: 0.7, X1: 350, Y1: 172.5, X2: 450, Y2: 272.5},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := DetectionDecoder{Options: tc.opt}
			n := len(tc.out) / (4 + tc.nc)
			got, err := d.Decode(nil, tc.out, tc.nc, n, bus)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				got = []Detection{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("detections (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	g, _ := NewLetterboxGeometry(10, 10, 10, 10)
	var d DetectionDecoder
	if _, err := d.Decode(nil, make([]float32, 5), 1, 2, g); err == nil {
		t.Error("short output: want an error")
	}
	if _, err := d.Decode(nil, make([]float32, 5), 0, 1, g); err == nil {
		t.Error("no classes: want an error")
	}
	if _, err := d.Decode(nil, make([]float32, 5), 1, 1, LetterboxGeometry{}); err == nil {
		t.Error("unset geometry: want an error")
	}
}

func TestDecodeAllocs(t *testing.T) {
	const nc, n = 80, 8400
	out := make([]float32, (4+nc)*n)
	// A grid of boxes with scores that cross the threshold in many classes.
	for a := 0; a < n; a++ {
		out[a], out[n+a], out[2*n+a], out[3*n+a] = float32(a%80*8), float32(a/80*6), 20, 20
		out[(4+a%nc)*n+a] = float32(a%7) / 6
	}
	g, _ := NewLetterboxGeometry(640, 640, 640, 640)
	var d DetectionDecoder
	dst, err := d.Decode(nil, out, nc, n, g)
	if err != nil || len(dst) == 0 {
		t.Fatalf("decode: %d detections, %v", len(dst), err)
	}
	if a := testing.AllocsPerRun(5, func() { dst, _ = d.Decode(dst, out, nc, n, g) }); a != 0 {
		t.Errorf("Decode allocates %v times per frame, want 0", a)
	}
}
