package yolo

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The pre/post-processing benchmarks read their inputs from
// $YOLOGATE_PREPOST_DIR (written by .ci/bench-prepost: frame1080.png,
// frame900.png and frame720.png, one photo at 1920x1080, 1600x900 and
// 1280x720, and bus_output0.f32, the real yolov8n output [1,84,8400]
// on bus.jpg as little-endian float32). Without it they use a seeded random
// frame and a synthetic head output, so that `go test -bench` always runs.
// Each reports the median wall and CPU time per frame over its b.N
// iterations (run with -benchtime 50x for a median of 50), which is what
// docs/BENCHMARKS.md compares with OpenCV.

func prepostDir() string { return os.Getenv("YOLOGATE_PREPOST_DIR") }

func benchFrame(b *testing.B) *RGBImage { return benchFrameSized(b, "frame1080.png", 1920, 1080) }

func benchFrameSized(b *testing.B, name string, w, h int) *RGBImage {
	if dir := prepostDir(); dir != "" {
		img, err := DecodeImageFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return ToRGB(img)
	}
	r := rand.New(rand.NewPCG(7, 7))
	m := &RGBImage{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for i := range m.Pix {
		m.Pix[i] = uint8(r.IntN(256))
	}
	return m
}

func benchOutput(b *testing.B) []float32 {
	const nc, n = 80, 8400
	if dir := prepostDir(); dir != "" {
		raw, err := os.ReadFile(filepath.Join(dir, "bus_output0.f32"))
		if err != nil {
			b.Fatal(err)
		}
		if len(raw) != 4*(4+nc)*n {
			b.Fatalf("bus_output0.f32: %d bytes, want %d", len(raw), 4*(4+nc)*n)
		}
		out := make([]float32, (4+nc)*n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out
	}
	r := rand.New(rand.NewPCG(8, 8))
	out := make([]float32, (4+nc)*n)
	for a := 0; a < n; a++ {
		out[a], out[n+a] = r.Float32()*640, r.Float32()*640
		out[2*n+a], out[3*n+a] = 10+r.Float32()*100, 10+r.Float32()*100
		for c := 0; c < nc; c++ {
			out[(4+c)*n+a] = r.Float32() * 0.05
		}
		// About 170 anchors above 0.25, like the real head on bus.jpg.
		if a%50 == 0 {
			out[(4+a%nc)*n+a] = 0.3 + 0.6*r.Float32()
		}
	}
	return out
}

// reportMedian times f once per iteration and reports the median wall
// time and the median process CPU time (robust to preemption on a shared
// machine; it counts every thread, as OpenCV's side does).
func reportMedian(b *testing.B, f func()) {
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, t0 := processCPU(), time.Now()
		f()
		wall = append(wall, time.Since(t0))
		cpu = append(cpu, processCPU()-c0)
	}
	b.StopTimer()
	slices.Sort(wall)
	slices.Sort(cpu)
	b.ReportMetric(float64(wall[len(wall)/2].Nanoseconds()), "median-ns/frame")
	b.ReportMetric(float64(cpu[len(cpu)/2].Nanoseconds()), "median-cpu-ns/frame")
}

// BenchmarkPrepostLetterbox1080p letterboxes a 1920x1080 frame to 640x640,
// normalized CHW float32.
func BenchmarkPrepostLetterbox1080p(b *testing.B) {
	src := benchFrame(b)
	dst := make([]float32, 3*640*640)
	var lb Letterboxer
	if _, err := lb.Into(dst, src, 640, 640); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	reportMedian(b, func() { lb.Into(dst, src, 640, 640) })
}

// BenchmarkPrepostLetterbox720p letterboxes a 1280x720 frame to 640x640:
// a 2:1 scale, where every output pixel is the mean of four source pixels
// (the 1920x1080 frame's exact 3:1 scale samples one).
func BenchmarkPrepostLetterbox720p(b *testing.B) {
	src := benchFrameSized(b, "frame720.png", 1280, 720)
	dst := make([]float32, 3*640*640)
	var lb Letterboxer
	if _, err := lb.Into(dst, src, 640, 640); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	reportMedian(b, func() { lb.Into(dst, src, 640, 640) })
}

// BenchmarkPrepostLetterbox900p letterboxes a 1600x900 frame to 640x640: a
// 2.5:1 scale, where the weights vary and the general bilinear blend runs.
func BenchmarkPrepostLetterbox900p(b *testing.B) {
	src := benchFrameSized(b, "frame900.png", 1600, 900)
	dst := make([]float32, 3*640*640)
	var lb Letterboxer
	if _, err := lb.Into(dst, src, 640, 640); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	reportMedian(b, func() { lb.Into(dst, src, 640, 640) })
}

// BenchmarkPrepostDecodeNMS decodes a [1,84,8400] head output, thresholds
// at 0.25 and runs class-aware NMS at IoU 0.45, scaled back to bus.jpg.
func BenchmarkPrepostDecodeNMS(b *testing.B) {
	out := benchOutput(b)
	g, _ := NewLetterboxGeometry(800, 445, 640, 640)
	var d DetectionDecoder
	dets, err := d.Decode(nil, out, 80, 8400, g)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	reportMedian(b, func() { dets, _ = d.Decode(dets, out, 80, 8400, g) })
	b.ReportMetric(float64(len(dets)), "detections")
}
