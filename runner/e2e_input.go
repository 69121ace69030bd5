package runner

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/yolo"
)

// ReadImage reads and decodes one JPEG or PNG file. A file that is missing,
// unreadable or not an image is an input error naming it.
func ReadImage(path string) (image.Image, error) {
	img, err := yolo.DecodeImageFile(path)
	if err == nil {
		return img, nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, errs.Inputf(path, "pass a readable JPEG or PNG file", "cannot read the image: %v", pe.Err)
	}
	return nil, errs.Inputf(path, "pass a JPEG or PNG file", "%v", err)
}

// Frame is one decoded input image of end-to-end mode, converted to packed
// RGB before any timing.
type Frame struct {
	// Path is the file the frame was read from.
	Path  string
	Image *yolo.RGBImage
}

// LoadFrames reads the images of end-to-end mode: each input is an image
// file or a folder whose files (not subfolders) are read in name order. In
// a folder, files that cannot be read or decoded are skipped and reported
// through warn; a named file that fails is an error. It is an input error
// when no usable image remains.
func LoadFrames(inputs []string, warn func(path string, err error)) ([]Frame, error) {
	if len(inputs) == 0 {
		return nil, errs.Usagef("--input", "pass a folder of JPEG or PNG images, or image files", "no input images given")
	}
	var frames []Frame
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, errs.Inputf(in, "pass an existing folder or image file to --input", "cannot read the input: %v", pathErr(err))
		}
		if !st.IsDir() {
			img, err := ReadImage(in)
			if err != nil {
				return nil, err
			}
			frames = append(frames, Frame{Path: in, Image: yolo.ToRGB(img)})
			continue
		}
		entries, err := os.ReadDir(in)
		if err != nil {
			return nil, errs.Inputf(in, "make the folder readable", "cannot list the input folder: %v", pathErr(err))
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		n, files := 0, 0
		for _, e := range entries {
			if e.IsDir() || e.Name()[0] == '.' {
				continue
			}
			files++
			p := filepath.Join(in, e.Name())
			img, err := ReadImage(p)
			if err != nil {
				if warn != nil {
					warn(p, err)
				}
				continue
			}
			frames = append(frames, Frame{Path: p, Image: yolo.ToRGB(img)})
			n++
		}
		if n == 0 {
			what := "the input folder is empty"
			if files > 0 {
				what = fmt.Sprintf("the input folder has no usable image: none of its %d files is a readable JPEG or PNG", files)
			}
			if len(inputs) == 1 {
				return nil, errs.Inputf(in, "put JPEG or PNG images in the folder", "%s", what)
			}
			if warn != nil {
				warn(in, errs.Inputf(in, "", "%s", what))
			}
		}
	}
	if len(frames) == 0 {
		return nil, errs.Inputf("--input", "pass folders or files holding JPEG or PNG images", "no usable input image")
	}
	return frames, nil
}

// pathErr strips the path an *fs.PathError repeats, since errors name it already.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
