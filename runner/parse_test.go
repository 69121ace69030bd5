package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/internal/errs"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in        string
		bare      bool
		allowZero bool
		want      Amount
		wantErr   string
	}{
		{in: "1000x", want: Amount{Iterations: 1000}},
		{in: "3s", want: Amount{Duration: 3 * time.Second}},
		{in: "1.5s", want: Amount{Duration: 1500 * time.Millisecond}},
		{in: "5s,1000x", want: Amount{Iterations: 1000, Duration: 5 * time.Second}},
		{in: "1000x,5s", want: Amount{Iterations: 1000, Duration: 5 * time.Second}},
		{in: " 20x ", want: Amount{Iterations: 20}},
		{in: "10", bare: true, want: Amount{Iterations: 10}},
		{in: "0", bare: true, allowZero: true, want: Amount{}},
		{in: "0s", allowZero: true, want: Amount{}},
		{in: "10", wantErr: "bad value"},
		{in: "abc", wantErr: "bad value"},
		{in: "", wantErr: "empty"},
		{in: "0x", wantErr: "runs nothing"},
		{in: "-1x", wantErr: "bad iteration count"},
		{in: "-3s", wantErr: "bad value"},
		{in: "x", wantErr: "bad iteration count"},
		{in: "1e3x", wantErr: "bad iteration count"},
		{in: "5s,3s", wantErr: "one non-zero duration and one non-zero count"},
		{in: "5x,3x", wantErr: "one non-zero duration and one non-zero count"},
		{in: "5s,0x", wantErr: "one non-zero duration"},
		{in: "1x,2x,3s", wantErr: "more than two"},
		{in: "99999999999x", wantErr: "limit"},
		{in: "25h", wantErr: "limit"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseAmount("--benchtime", tc.in, tc.bare, tc.allowZero)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || errs.KindOf(err) != errs.Usage || !strings.HasPrefix(err.Error(), "--benchtime: ") {
					t.Fatalf("ParseAmount(%q) = %v, %v; want a usage error naming --benchtime containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseAmount(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestAmountStringRoundTrips(t *testing.T) {
	for _, a := range []Amount{DefaultBenchtime, DefaultWarmup, {Duration: 3 * time.Second}, {Iterations: 7}} {
		got, err := ParseAmount("--benchtime", a.String(), false, false)
		if err != nil || got != a {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Size
		wantErr bool
	}{
		{"640", Size{640, 640}, false},
		{"640x672", Size{640, 672}, false},
		{"32", Size{32, 32}, false},
		{"8192", Size{8192, 8192}, false},
		{"641", Size{}, true},
		{"0", Size{}, true},
		{"8224", Size{}, true},
		{"640x", Size{}, true},
		{"x640", Size{}, true},
		{"640x640x3", Size{}, true},
		{"-640", Size{}, true},
		{"abc", Size{}, true},
		{"", Size{}, true},
		{"+640", Size{}, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize("--imgsz", tc.in)
			if tc.wantErr {
				if err == nil || errs.KindOf(err) != errs.Usage || !strings.HasPrefix(err.Error(), "--imgsz: ") {
					t.Fatalf("ParseSize(%q) = %v, %v; want a usage error naming --imgsz", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSize(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if again, err := ParseSize("--imgsz", got.String()); err != nil || again != got {
				t.Errorf("ParseSize(%q) = %v, %v; want %v", got.String(), again, err, got)
			}
		})
	}
}

func TestParseBatch(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "16": 16, "1024": 1024, "0": 0, "-1": 0, "1025": 0, "x": 0, "+2": 0, "": 0} {
		got, err := ParseBatch("--batch", in)
		if want == 0 {
			if err == nil || errs.KindOf(err) != errs.Usage {
				t.Errorf("ParseBatch(%q) = %d, %v; want a usage error", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseBatch(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestSplitList(t *testing.T) {
	got := SplitList([]string{"yolov8n,yolov8s", " m.onnx ", "", "yolov8n", "a,,b"})
	want := []string{"yolov8n", "yolov8s", "m.onnx", "a", "b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SplitList mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1000x", "3s", "5s,1000x", "10", "0", "1h2m3.5s", "x", ",", "1x,1s,"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, bare bool) {
		a, err := ParseAmount("--benchtime", s, bare, true)
		if err != nil {
			if errs.KindOf(err) != errs.Usage || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseAmount(%q): error %q is not a one-line usage error", s, err)
			}
			return
		}
		if a.Iterations < 0 || a.Iterations > maxIterations || a.Duration < 0 || a.Duration > maxDuration {
			t.Fatalf("ParseAmount(%q) = %+v out of range", s, a)
		}
		if a.IsZero() {
			return
		}
		again, err := ParseAmount("--benchtime", a.String(), false, false)
		if err != nil || again != a {
			t.Fatalf("ParseAmount(%q) = %+v; its String %q parses to %+v, %v", s, a, a.String(), again, err)
		}
	})
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"640", "640x672", "32x8192", "0", "641", "x", "640x", "00640"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sz, err := ParseSize("--imgsz", s)
		if err != nil {
			if errs.KindOf(err) != errs.Usage || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseSize(%q): error %q is not a one-line usage error", s, err)
			}
			return
		}
		for _, side := range []int{sz.Height, sz.Width} {
			if side < 32 || side > maxSide || side%32 != 0 {
				t.Fatalf("ParseSize(%q) = %v: side out of range", s, sz)
			}
		}
		if again, err := ParseSize("--imgsz", sz.String()); err != nil || again != sz {
			t.Fatalf("ParseSize(%q) = %v; its String %q parses to %v, %v", s, sz, sz.String(), again, err)
		}
	})
}

func FuzzParseBatch(f *testing.F) {
	for _, s := range []string{"1", "1024", "0", "-1", "1e3", " 8 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseBatch("--batch", s)
		if err != nil {
			if errs.KindOf(err) != errs.Usage || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseBatch(%q): error %q is not a one-line usage error", s, err)
			}
			return
		}
		if n < 1 || n > maxBatch {
			t.Fatalf("ParseBatch(%q) = %d out of range", s, n)
		}
	})
}
