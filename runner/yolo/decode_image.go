package yolo

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // JPEG and PNG are the formats image inputs may use.
	_ "image/png"
	"os"
)

// DecodeImageFile reads and decodes a JPEG or PNG file. The error says
// whether the file could not be read (an *os.PathError in its chain) or is
// not a supported image.
func DecodeImageFile(path string) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeImage(data)
}

// DecodeImage decodes a JPEG or PNG image held in memory.
func DecodeImage(data []byte) (image.Image, error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a JPEG or PNG image: %v", err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Errorf("%s image has no pixels", format)
	}
	return img, nil
}
