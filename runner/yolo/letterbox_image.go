package yolo

import (
	"image"
	"image/color"
)

// RGBImage is an 8-bit RGB image packed row by row, three bytes per pixel
// (R, G, B) with no row padding: Pix[3*(y*W+x)+c]. Images are converted to
// it once, before any timed loop, so that letterboxing reads one layout.
type RGBImage struct {
	Pix []uint8
	// W and H are the size in pixels.
	W, H int
}

// ToRGB converts img to packed RGB. Alpha is dropped without blending, as
// OpenCV's imread(IMREAD_COLOR) does: straight-alpha (NRGBA) pixels keep
// their color; premultiplied (RGBA) pixels keep their stored values.
func ToRGB(img image.Image) *RGBImage {
	dst := &RGBImage{}
	ToRGBInto(dst, img)
	return dst
}

// ToRGBInto converts img into dst, reusing dst.Pix when it is large enough.
// *image.YCbCr, *image.RGBA, *image.NRGBA and *image.Gray take fast paths;
// other image types go through the color model.
func ToRGBInto(dst *RGBImage, img image.Image) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n := 3 * w * h
	if cap(dst.Pix) < n {
		dst.Pix = make([]uint8, n)
	}
	dst.Pix, dst.W, dst.H = dst.Pix[:n], w, h
	switch m := img.(type) {
	case *image.YCbCr:
		switch {
		case b.Min != (image.Point{}):
			ycbcrNearest(dst, m)
		case m.SubsampleRatio == image.YCbCrSubsampleRatio420:
			ycbcrFancy(dst, m, true)
		case m.SubsampleRatio == image.YCbCrSubsampleRatio422:
			ycbcrFancy(dst, m, false)
		default:
			ycbcrNearest(dst, m)
		}
	case *image.RGBA:
		rgbaRows(dst, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.NRGBA:
		rgbaRows(dst, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.Gray:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			row := dst.Pix[3*w*y : 3*w*(y+1)]
			for x, v := range src {
				row[3*x], row[3*x+1], row[3*x+2] = v, v, v
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = c.R, c.G, c.B
				i += 3
			}
		}
	}
}

// rgbaRows copies the RGB bytes of 4-byte-per-pixel rows starting at off.
func rgbaRows(dst *RGBImage, pix []uint8, stride, off int) {
	w := dst.W
	for y := 0; y < dst.H; y++ {
		src := pix[off+y*stride : off+y*stride+4*w]
		row := dst.Pix[3*w*y : 3*w*(y+1)]
		for x := 0; x < w; x++ {
			row[3*x], row[3*x+1], row[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
		}
	}
}

// ycbcrNearest converts with each pixel's own (nearest) chroma sample, as
// image.YCbCr.At does.
func ycbcrNearest(dst *RGBImage, m *image.YCbCr) {
	b := m.Bounds()
	w := dst.W
	for y := 0; y < dst.H; y++ {
		row := dst.Pix[3*w*y : 3*w*(y+1)]
		for x := 0; x < w; x++ {
			yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
			ci := m.COffset(b.Min.X+x, b.Min.Y+y)
			r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			row[3*x], row[3*x+1], row[3*x+2] = r, g, bb
		}
	}
}

// ycbcrFancy converts a 4:2:0 (vertical true) or 4:2:2 image whose bounds
// start at (0, 0), upsampling chroma with libjpeg's "fancy" triangle
// filter (jdsample.c h2v2/h2v1_fancy_upsample: 3/4 of the nearer sample,
// 1/4 of the next), which is what OpenCV's imread and PIL decode JPEGs
// with. The nearest-sample conversion of image.YCbCr.At moves scores of a
// quantized model by a few hundredths.
func ycbcrFancy(dst *RGBImage, m *image.YCbCr, vertical bool) {
	w, h := dst.W, dst.H
	cw := (w + 1) / 2
	cbRow := make([]int32, cw)
	crRow := make([]int32, cw)
	cb := make([]uint8, w)
	cr := make([]uint8, w)
	for y := 0; y < h; y++ {
		// Vertical pass: column sums in 1/4 (4:2:0) or the row itself scaled to 1/4.
		if vertical {
			cy := y / 2
			ny := cy + 1
			if y%2 == 0 {
				ny = cy - 1
			}
			ch := (h + 1) / 2
			ny = min(max(ny, 0), ch-1)
			for cx := 0; cx < cw; cx++ {
				i, j := cy*m.CStride+cx, ny*m.CStride+cx
				cbRow[cx] = 3*int32(m.Cb[i]) + int32(m.Cb[j])
				crRow[cx] = 3*int32(m.Cr[i]) + int32(m.Cr[j])
			}
			fancyRow(cb, cbRow, 8, 7, 4)
			fancyRow(cr, crRow, 8, 7, 4)
		} else {
			for cx := 0; cx < cw; cx++ {
				i := y*m.CStride + cx
				cbRow[cx], crRow[cx] = int32(m.Cb[i]), int32(m.Cr[i])
			}
			fancyRow(cb, cbRow, 1, 2, 2)
			fancyRow(cr, crRow, 1, 2, 2)
		}
		row := dst.Pix[3*w*y : 3*w*(y+1)]
		yrow := m.Y[y*m.YStride : y*m.YStride+w]
		for x, yy := range yrow {
			r, g, bb := jpegYCbCrToRGB(yy, cb[x], cr[x])
			row[3*x], row[3*x+1], row[3*x+2] = r, g, bb
		}
	}
}

// fancyRow upsamples one row of chroma sums 2x horizontally: even pixels
// take 3/4 of their sample and 1/4 of the left one, odd pixels 1/4 of the
// right one, with libjpeg's alternating rounding biases (evenBias,
// oddBias); shift removes the fixed-point scale. Edge pixels use their own
// sample alone.
func fancyRow(out []uint8, sums []int32, evenBias, oddBias int32, shift uint) {
	last := len(sums) - 1
	for x := range out {
		cx := x / 2
		s := sums[cx]
		var v int32
		if x%2 == 0 {
			if cx == 0 {
				v = (4*s + evenBias) >> shift
			} else {
				v = (3*s + sums[cx-1] + evenBias) >> shift
			}
		} else {
			if cx == last {
				v = (4*s + oddBias) >> shift
			} else {
				v = (3*s + sums[cx+1] + oddBias) >> shift
			}
		}
		out[x] = uint8(v)
	}
}

// jpegYCbCrToRGB is libjpeg's ycc_rgb_convert (jdcolor.c): the JFIF
// equations in 16-bit fixed point, each chroma term rounded on its own.
// color.YCbCrToRGB rounds differently and lands one level off on about a
// fifth of a photo's pixels.
func jpegYCbCrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	const half = 1 << 15
	yy := int32(y)
	cb1, cr1 := int32(cb)-128, int32(cr)-128
	r := yy + (91881*cr1+half)>>16
	g := yy + (-22554*cb1-46802*cr1+half)>>16
	b := yy + (116130*cb1+half)>>16
	return clampByte(r), clampByte(g), clampByte(b)
}

func clampByte(v int32) uint8 {
	return uint8(min(max(v, 0), 255))
}
