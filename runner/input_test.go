package runner

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

func TestFloat16Bits(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000},
		{1, 0x3c00},
		{0.5, 0x3800},
		{0.333333, 0x3555},
		{0.99999, 0x3c00},           // rounds up into the next exponent
		{6.103515625e-05, 0x0400},   // smallest normal
		{5.9604645e-08, 0x0001},     // smallest subnormal
		{2.9802322e-08, 0x0000},     // half of it: ties to even (0)
		{1.0 / 1024 / 1024, 0x0010}, // a subnormal
	} {
		if got := float16bits(tc.in); got != tc.want {
			t.Errorf("float16bits(%v) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
}

func TestFillRandom(t *testing.T) {
	a := make([]byte, 4*3000)
	b := make([]byte, 4*3000)
	if err := fillRandom(a, "float32", 7); err != nil {
		t.Fatal(err)
	}
	fillRandom(b, "float32", 7)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different input")
	}
	fillRandom(b, "float32", 8)
	if bytes.Equal(a, b) {
		t.Fatal("different seeds, same input")
	}
	var sum float64
	for i := 0; i < len(a); i += 4 {
		f := math.Float32frombits(binary.NativeEndian.Uint32(a[i:]))
		if f < 0 || f >= 1 {
			t.Fatalf("value %v outside [0,1)", f)
		}
		sum += float64(f)
	}
	if mean := sum / 3000; mean < 0.45 || mean > 0.55 {
		t.Errorf("mean %v, want about 0.5", mean)
	}
	h := make([]byte, 2*100)
	if err := fillRandom(h, "float16", 1); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(h); i += 2 {
		if v := binary.NativeEndian.Uint16(h[i:]); v > 0x3c00 {
			t.Fatalf("float16 %#04x above 1.0", v)
		}
	}
	if err := fillRandom(make([]byte, 8), "int64", 1); err == nil {
		t.Error("fillRandom(int64) succeeded")
	}
}
