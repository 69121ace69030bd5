package yolo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewLetterboxGeometry(t *testing.T) {
	tests := []struct {
		name             string
		srcW, srcH       int
		dstW, dstH       int
		want             LetterboxGeometry
		ratioNum, ratioD float64
	}{
		{"bus 800x445 to 640", 800, 445, 640, 640,
			LetterboxGeometry{NewW: 640, NewH: 356, Top: 142, Bottom: 142}, 640, 800},
		{"full hd to 640", 1920, 1080, 640, 640,
			LetterboxGeometry{NewW: 640, NewH: 360, Top: 140, Bottom: 140}, 640, 1920},
		{"portrait 480x640 to 640", 480, 640, 640, 640,
			LetterboxGeometry{NewW: 480, NewH: 640, Left: 80, Right: 80}, 640, 640},
		{"exact fit", 640, 640, 640, 640,
			LetterboxGeometry{NewW: 640, NewH: 640}, 1, 1},
		// 51*0.64 = 32.64 → 33 rows, 31 rows of padding split 15 above, 16 below.
		{"odd padding", 100, 51, 64, 64,
			LetterboxGeometry{NewW: 64, NewH: 33, Top: 15, Bottom: 16}, 64, 100},
		// 5*0.5 = 2.5 rounds half to even (Python's round): 2 columns, 3 of
		// padding split 1 left, 2 right.
		{"round half to even", 5, 10, 5, 5,
			LetterboxGeometry{NewW: 2, NewH: 5, Left: 1, Right: 2}, 5, 10},
		{"upscale", 32, 16, 64, 64,
			LetterboxGeometry{NewW: 64, NewH: 32, Top: 16, Bottom: 16}, 2, 1},
		{"non-square input", 1920, 1080, 640, 384,
			LetterboxGeometry{NewW: 640, NewH: 360, Top: 12, Bottom: 12}, 640, 1920},
		{"one pixel", 1, 1, 3, 2,
			LetterboxGeometry{NewW: 2, NewH: 2, Left: 0, Right: 1}, 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewLetterboxGeometry(tc.srcW, tc.srcH, tc.dstW, tc.dstH)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.SrcW, want.SrcH, want.DstW, want.DstH = tc.srcW, tc.srcH, tc.dstW, tc.dstH
			want.Ratio = tc.ratioNum / tc.ratioD
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("geometry (-want +got):\n%s", diff)
			}
			if got.Left+got.NewW+got.Right != tc.dstW || got.Top+got.NewH+got.Bottom != tc.dstH {
				t.Errorf("padding does not add up to the input size: %+v", got)
			}
		})
	}
}

func TestNewLetterboxGeometryRejectsEmpty(t *testing.T) {
	for _, s := range [][4]int{{0, 10, 64, 64}, {10, -1, 64, 64}, {10, 10, 0, 64}} {
		if _, err := NewLetterboxGeometry(s[0], s[1], s[2], s[3]); err == nil {
			t.Errorf("NewLetterboxGeometry%v: want an error", s)
		}
	}
}

func TestLetterboxGeometryToSource(t *testing.T) {
	g, _ := NewLetterboxGeometry(800, 445, 640, 640)
	// (288, 304) in the input: x/0.8 = 360, (304-142)/0.8 = 202.5.
	x, y := g.ToSource(288, 304)
	if x != 360 || y != 202.5 {
		t.Errorf("ToSource(288, 304) = (%v, %v), want (360, 202.5)", x, y)
	}
}

// rgb builds a packed image from per-pixel triples.
func rgb(w, h int, px ...[3]uint8) *RGBImage {
	m := &RGBImage{W: w, H: h, Pix: make([]uint8, 0, 3*w*h)}
	for _, p := range px {
		m.Pix = append(m.Pix, p[:]...)
	}
	return m
}

// plane returns channel c of a CHW output as 8-bit values, for readable diffs.
func plane(out []float32, c, w, h int) [][]int {
	rows := make([][]int, h)
	for y := range rows {
		rows[y] = make([]int, w)
		for x := range rows[y] {
			rows[y][x] = int(math.Round(float64(out[c*w*h+y*w+x]) * 255))
		}
	}
	return rows
}

func TestLetterboxPixels(t *testing.T) {
	const P = LetterboxPad
	tests := []struct {
		name       string
		src        *RGBImage
		dstW, dstH int
		want       [3][][]int // R, G, B planes
	}{
		{
			// No resize: pixels copied, channels kept apart.
			name: "exact fit", src: rgb(2, 1, [3]uint8{10, 20, 30}, [3]uint8{40, 50, 60}), dstW: 2, dstH: 1,
			want: [3][][]int{{{10, 40}}, {{20, 50}}, {{30, 60}}},
		},
		{
			// 2x upscale of a horizontal ramp 0→100: source x = (d+0.5)/2−0.5
			// gives −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
			name: "bilinear upscale", src: rgb(2, 2, [3]uint8{0, 0, 0}, [3]uint8{100, 100, 100}, [3]uint8{0, 0, 0}, [3]uint8{100, 100, 100}),
			dstW: 4, dstH: 4,
			want: [3][][]int{
				{{0, 25, 75, 100}, {0, 25, 75, 100}, {0, 25, 75, 100}, {0, 25, 75, 100}},
				{{0, 25, 75, 100}, {0, 25, 75, 100}, {0, 25, 75, 100}, {0, 25, 75, 100}},
				{{0, 25, 75, 100}, {0, 25, 75, 100}, {0, 25, 75, 100}, {0, 25, 75, 100}},
			},
		},
		{
			// 2x downscale averages each 2x2 block: (0+1+2+3)/4 = 1.5 rounds to 2.
			name: "bilinear downscale", src: rgb(4, 2,
				[3]uint8{0, 8, 0}, [3]uint8{1, 8, 0}, [3]uint8{10, 8, 0}, [3]uint8{10, 8, 0},
				[3]uint8{2, 8, 0}, [3]uint8{3, 8, 0}, [3]uint8{20, 8, 0}, [3]uint8{20, 8, 255}),
			dstW: 2, dstH: 2,
			// 4x2 → r = 0.5 → 2x1, one row of padding split 0 above, 1 below.
			want: [3][][]int{{{2, 15}, {P, P}}, {{8, 8}, {P, P}}, {{0, 64}, {P, P}}},
		},
		{
			// Portrait into a square: centered, grey on both sides.
			name: "portrait padding", src: rgb(1, 2, [3]uint8{1, 2, 3}, [3]uint8{4, 5, 6}), dstW: 4, dstH: 2,
			want: [3][][]int{{{P, 1, P, P}, {P, 4, P, P}}, {{P, 2, P, P}, {P, 5, P, P}}, {{P, 3, P, P}, {P, 6, P, P}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var lb Letterboxer
			out := make([]float32, 3*tc.dstW*tc.dstH)
			if _, err := lb.Into(out, tc.src, tc.dstW, tc.dstH); err != nil {
				t.Fatal(err)
			}
			got := [3][][]int{plane(out, 0, tc.dstW, tc.dstH), plane(out, 1, tc.dstW, tc.dstH), plane(out, 2, tc.dstW, tc.dstH)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("planes (-want +got):\n%s", diff)
			}
			for i, v := range out {
				if v < 0 || v > 1 || v != float32(math.Round(float64(v)*255))/255 {
					t.Fatalf("value %d = %v is not an 8-bit level / 255", i, v)
				}
			}
		})
	}
}

// referenceLetterbox is a direct float64 transcription of cv2.resize
// INTER_LINEAR (pixel centers, clamped edges) followed by rounding to 8 bits,
// padding and /255: slow and obvious, to check the fixed-point version.
func referenceLetterbox(src *RGBImage, dstW, dstH int) []float32 {
	g, _ := NewLetterboxGeometry(src.W, src.H, dstW, dstH)
	out := make([]float32, 3*dstW*dstH)
	for i := range out {
		out[i] = float32(LetterboxPad) / 255
	}
	tap := func(d, srcN, dstN int) (int, int, float64) {
		f := (float64(d)+0.5)*float64(srcN)/float64(dstN) - 0.5
		s := int(math.Floor(f))
		f -= float64(s)
		if s < 0 {
			s, f = 0, 0
		}
		if s >= srcN-1 {
			s, f = srcN-1, 0
		}
		return s, min(s+1, srcN-1), f
	}
	for dy := 0; dy < g.NewH; dy++ {
		y0, y1, fy := tap(dy, src.H, g.NewH)
		for dx := 0; dx < g.NewW; dx++ {
			x0, x1, fx := tap(dx, src.W, g.NewW)
			for c := 0; c < 3; c++ {
				p := func(x, y int) float64 { return float64(src.Pix[3*(y*src.W+x)+c]) }
				v := (1-fy)*((1-fx)*p(x0, y0)+fx*p(x1, y0)) + fy*((1-fx)*p(x0, y1)+fx*p(x1, y1))
				out[c*dstW*dstH+(g.Top+dy)*dstW+g.Left+dx] = float32(math.Round(v)) / 255
			}
		}
	}
	return out
}

func TestLetterboxMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := [][4]int{{1920, 1080, 640, 640}, {37, 91, 64, 64}, {91, 37, 64, 32}, {1, 7, 8, 8}, {7, 1, 8, 8}, {13, 13, 320, 320}}
	var lb Letterboxer
	for _, s := range sizes {
		src := &RGBImage{W: s[0], H: s[1], Pix: make([]uint8, 3*s[0]*s[1])}
		for i := range src.Pix {
			src.Pix[i] = uint8(r.IntN(256))
		}
		got := make([]float32, 3*s[2]*s[3])
		if _, err := lb.Into(got, src, s[2], s[3]); err != nil {
			t.Fatal(err)
		}
		want := referenceLetterbox(src, s[2], s[3])
		worst := 0.0
		for i := range got {
			worst = max(worst, math.Abs(float64(got[i]-want[i]))*255)
		}
		// Fixed-point weights may round a value half-way differently.
		if worst > 1.0001 {
			t.Errorf("%dx%d to %dx%d: differs from the float reference by %.2f levels, want ≤ 1", s[0], s[1], s[2], s[3], worst)
		}
	}
}

func TestLetterboxBatchAndErrors(t *testing.T) {
	var lb Letterboxer
	a := rgb(1, 1, [3]uint8{255, 0, 0})
	b := rgb(1, 1, [3]uint8{0, 0, 255})
	out := make([]float32, 2*3*2*2)
	for i, m := range []*RGBImage{a, b} {
		if _, err := lb.Into(out[i*12:], m, 2, 2); err != nil {
			t.Fatal(err)
		}
	}
	if out[0] != 1 || out[8] != 0 || out[12] != 0 || out[20] != 1 {
		t.Errorf("batch planes wrong: %v", out)
	}
	if _, err := lb.Into(out[:5], a, 2, 2); err == nil {
		t.Error("short destination: want an error")
	}
	if _, err := lb.Into(out, &RGBImage{W: 2, H: 2, Pix: make([]uint8, 3)}, 2, 2); err == nil {
		t.Error("truncated source: want an error")
	}
}

func TestLetterboxAllocs(t *testing.T) {
	src := &RGBImage{W: 1920, H: 1080, Pix: make([]uint8, 3*1920*1080)}
	out := make([]float32, 3*640*640)
	var lb Letterboxer
	if _, err := lb.Into(out, src, 640, 640); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(5, func() { lb.Into(out, src, 640, 640) }); n != 0 {
		t.Errorf("Letterboxer.Into allocates %v times per frame, want 0", n)
	}
}

func TestToRGB(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgba.Set(0, 0, color.RGBA{1, 2, 3, 255})
	rgba.Set(1, 0, color.RGBA{4, 5, 6, 255})
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	nrgba.SetNRGBA(0, 0, color.NRGBA{1, 2, 3, 0})
	nrgba.SetNRGBA(1, 0, color.NRGBA{4, 5, 6, 128})
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{7, 9}
	ycc := image.NewYCbCr(image.Rect(0, 0, 2, 1), image.YCbCrSubsampleRatio444)
	ycc.Y = []uint8{16, 235}
	ycc.Cb = []uint8{128, 128}
	ycc.Cr = []uint8{128, 128}
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{4, 5, 6, 255}})
	pal.Pix = []uint8{0, 1}
	tests := []struct {
		name string
		img  image.Image
		want []uint8
	}{
		{"rgba", rgba, []uint8{1, 2, 3, 4, 5, 6}},
		{"nrgba keeps color under alpha", nrgba, []uint8{1, 2, 3, 4, 5, 6}},
		{"gray", gray, []uint8{7, 7, 7, 9, 9, 9}},
		{"ycbcr", ycc, []uint8{16, 16, 16, 235, 235, 235}},
		{"paletted", pal, []uint8{1, 2, 3, 4, 5, 6}},
		{"sub-image", rgba.SubImage(image.Rect(1, 0, 2, 1)), []uint8{4, 5, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ToRGB(tc.img)
			if diff := cmp.Diff(tc.want, got.Pix); diff != "" {
				t.Errorf("pixels (-want +got):\n%s", diff)
			}
		})
	}
}

func encodedSeeds(t testing.TB) [][]byte {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(40 * i)
	}
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	return [][]byte{p.Bytes(), j.Bytes(), []byte("not an image"), {}}
}

func TestDecodeImage(t *testing.T) {
	seeds := encodedSeeds(t)
	for i, data := range seeds {
		img, err := DecodeImage(data)
		if (err == nil) != (i < 2) {
			t.Errorf("seed %d: err = %v", i, err)
			continue
		}
		if err == nil && (img.Bounds().Dx() != 3 || img.Bounds().Dy() != 2) {
			t.Errorf("seed %d: size %v, want 3x2", i, img.Bounds())
		}
	}
}

// FuzzDecodeImage decodes arbitrary bytes and letterboxes whatever decodes:
// no panic, and every output value a normalized 8-bit level.
func FuzzDecodeImage(f *testing.F) {
	for _, s := range encodedSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx()*b.Dy() > 1<<20 {
			return // huge claimed sizes only cost memory
		}
		var lb Letterboxer
		out := make([]float32, 3*32*32)
		if _, err := lb.Into(out, ToRGB(img), 32, 32); err != nil {
			t.Fatal(err)
		}
		for _, v := range out {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("value %v out of [0, 1]", v)
			}
		}
	})
}

func TestFancyUpsampling(t *testing.T) {
	tests := []struct {
		name             string
		sums             []int32
		even, odd, shift int32
		want             []uint8
	}{
		// 4:2:0 column sums in 1/4 (4·C): 3/4 of the own sample, 1/4 of the neighbour, /16.
		{"h2v2", []int32{0, 800}, 8, 7, 4, []uint8{0, 50, 150, 200}},
		{"h2v1", []int32{0, 200}, 1, 2, 2, []uint8{0, 50, 150, 200}},
		{"odd width", []int32{400, 400}, 8, 7, 4, []uint8{100, 100, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]uint8, len(tc.want))
			fancyRow(got, tc.sums, tc.even, tc.odd, uint(tc.shift))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("upsampled (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJPEGYCbCrToRGB(t *testing.T) {
	tests := []struct {
		y, cb, cr uint8
		want      [3]uint8
	}{
		{128, 128, 128, [3]uint8{128, 128, 128}},
		// R = 100 + round(1.402·100) = 240; G = 100 − round(0.71414·100) = 29.
		{100, 128, 228, [3]uint8{240, 29, 100}},
		{255, 255, 255, [3]uint8{255, 121, 255}},
		{0, 0, 0, [3]uint8{0, 135, 0}},
	}
	for _, tc := range tests {
		r, g, b := jpegYCbCrToRGB(tc.y, tc.cb, tc.cr)
		if got := [3]uint8{r, g, b}; got != tc.want {
			t.Errorf("jpegYCbCrToRGB(%d, %d, %d) = %v, want %v", tc.y, tc.cb, tc.cr, got, tc.want)
		}
	}
}

// TestLetterboxFastPathsMatchGeneral checks that the rows and columns that
// skip zero-weight terms give exactly what the general blend gives, on
// sizes that take each path: 3:1 (point), 2:1 and 6:1 (equal weights),
// 2.5:1 (the general blend), 3:1 in x only (vertical blend), 3:1 in y only
// (horizontal blend).
func TestLetterboxFastPathsMatchGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][4]int{{1920, 1080, 640, 640}, {1280, 720, 640, 640}, {3840, 2160, 640, 640}, {1600, 900, 640, 640}, {96, 50, 32, 32}, {50, 96, 32, 32}, {99, 33, 33, 33}} {
		src := &RGBImage{W: s[0], H: s[1], Pix: make([]uint8, 3*s[0]*s[1])}
		for i := range src.Pix {
			src.Pix[i] = uint8(r.IntN(256))
		}
		var lb Letterboxer
		got := make([]float32, 3*s[2]*s[3])
		g, err := lb.Into(got, src, s[2], s[3])
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(got))
		copy(want, got)
		plane := s[2] * s[3]
		rowBytes := 3 * src.W
		for dy := 0; dy < g.NewH; dy++ {
			yt := lb.ytaps[dy]
			sy := int(yt.ofs)
			sy1 := min(sy+1, src.H-1)
			base := (g.Top+dy)*s[2] + g.Left
			letterboxRow(want[base:base+g.NewW], want[plane+base:plane+base+g.NewW], want[2*plane+base:2*plane+base+g.NewW],
				src.Pix[sy*rowBytes:(sy+1)*rowBytes], src.Pix[sy1*rowBytes:(sy1+1)*rowBytes], lb.xtaps, yt.w1)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%dx%d to %dx%d: value %d is %v, the general blend gives %v", s[0], s[1], s[2], s[3], i, got[i], want[i])
			}
		}
	}
}
