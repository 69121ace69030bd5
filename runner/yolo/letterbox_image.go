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
		for y := 0; y < h; y++ {
			row := dst.Pix[3*w*y : 3*w*(y+1)]
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				row[3*x], row[3*x+1], row[3*x+2] = r, g, bb
			}
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
