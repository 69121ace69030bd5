package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// CheckImage is one reference image of the accuracy check, decoded before
// any timing, with its label file when it has one.
type CheckImage struct {
	// Path is the image file.
	Path  string
	Image *yolo.RGBImage
	// LabelFile is the image's YOLO label file; empty when none was found.
	LabelFile string
	// Labels is LabelFile's content, read once (parsing is the caller's).
	Labels []byte
}

// LabelPath returns where the label file of image is looked for, in order:
// dir/STEM.txt when labelsDir is given; otherwise the Ultralytics layout
// (the last "images" folder of the path replaced by "labels"), then
// STEM.txt next to the image.
func LabelPath(image, labelsDir string) []string {
	stem := strings.TrimSuffix(filepath.Base(image), filepath.Ext(image)) + ".txt"
	if labelsDir != "" {
		return []string{filepath.Join(labelsDir, stem)}
	}
	var out []string
	dir := filepath.Dir(image)
	parts := strings.Split(filepath.ToSlash(dir), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "images" {
			parts[i] = "labels"
			out = append(out, filepath.Join(filepath.FromSlash(strings.Join(parts, "/")), stem))
			break
		}
	}
	return append(out, filepath.Join(dir, stem))
}

// LoadCheckImages reads the reference images of the accuracy check: each
// input is an image file or a folder whose image files (.jpg, .jpeg, .png;
// not subfolders) are read in name order. A file that cannot be decoded is
// an input error. Each image's label file is looked for as LabelPath says;
// labelsDir, when given, must exist. Images are decoded here, before any
// timing, so that a bad input fails fast.
func LoadCheckImages(inputs []string, labelsDir string) ([]CheckImage, error) {
	if labelsDir != "" {
		if st, err := os.Stat(labelsDir); err != nil || !st.IsDir() {
			return nil, errs.Usagef("--labels", "pass the folder holding one STEM.txt per image", "%q is not a folder", labelsDir)
		}
	}
	var paths []string
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, errs.Inputf(in, "pass an existing folder or image file to --check-images", "cannot read: %v", pathErr(err))
		}
		if !st.IsDir() {
			paths = append(paths, in)
			continue
		}
		entries, err := os.ReadDir(in)
		if err != nil {
			return nil, errs.Inputf(in, "make the folder readable", "cannot list the reference images: %v", pathErr(err))
		}
		n := 0
		for _, e := range entries {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".jpeg", ".png":
				if !e.IsDir() && e.Name()[0] != '.' {
					paths = append(paths, filepath.Join(in, e.Name()))
					n++
				}
			}
		}
		if n == 0 {
			return nil, errs.Inputf(in, "put JPEG or PNG reference images in the folder", "the folder has no .jpg, .jpeg or .png file")
		}
	}
	if len(paths) == 0 {
		return nil, errs.Usagef("--check-images", "pass a folder of JPEG or PNG images, or image files", "no reference images given")
	}
	out := make([]CheckImage, 0, len(paths))
	for _, p := range paths {
		img, err := ReadImage(p)
		if err != nil {
			return nil, err
		}
		ci := CheckImage{Path: p, Image: yolo.ToRGB(img)}
		for _, lp := range LabelPath(p, labelsDir) {
			data, err := os.ReadFile(lp)
			if err == nil {
				ci.LabelFile, ci.Labels = lp, data
				break
			}
			if !os.IsNotExist(err) {
				return nil, errs.Inputf(lp, "make the label file readable", "cannot read the labels: %v", pathErr(err))
			}
		}
		out = append(out, ci)
	}
	return out, nil
}

// AccuracyOptions are the fixed thresholds of the accuracy check.
type AccuracyOptions struct {
	// ScoreThreshold keeps detections scoring above it, in (0,1); 0 means 0.25.
	ScoreThreshold float64
	// IoUThreshold is NMS's overlap limit, in (0,1]; 0 means 0.45.
	IoUThreshold float64
}

// CheckAccuracy runs the model of each case on the reference images through
// the end-to-end pipeline (letterbox, inference, decode, NMS), after and
// outside its timing, and stores the detections in the case's Accuracy.
// f.Cases[i] must be the case of specs[i], as Run and RunWorkload return
// them. Labels are recorded by file name only; parsing them is the caller's.
// A model whose input takes a fixed batch other than 1 cannot be checked:
// warn says so and the case keeps no Accuracy.
func CheckAccuracy(ctx context.Context, specs []Spec, f *results.File, imgs []CheckImage, opt AccuracyOptions, warn func(string)) error {
	if len(imgs) == 0 || f == nil {
		return nil
	}
	if opt.ScoreThreshold == 0 {
		opt.ScoreThreshold = yolo.DefaultScoreThreshold
	}
	if opt.IoUThreshold == 0 {
		opt.IoUThreshold = yolo.DefaultIoUThreshold
	}
	if len(f.Cases) > len(specs) {
		return fmt.Errorf("accuracy check: %d cases for %d specs", len(f.Cases), len(specs))
	}
	for i := range f.Cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		acc, err := detectAll(&specs[i], imgs, opt, warn)
		if err != nil {
			return fmt.Errorf("%s: accuracy check: %w", f.Cases[i].ID, err)
		}
		f.Cases[i].Accuracy = acc
	}
	return nil
}

// detectAll runs one case's model on every reference image; nil when the
// model cannot take one image at a time.
func detectAll(s *Spec, imgs []CheckImage, opt AccuracyOptions, warn func(string)) (*results.Accuracy, error) {
	m := s.Model
	if b, _, _ := m.imageShape(); b > 1 {
		if warn != nil {
			warn(fmt.Sprintf("%s: accuracy not checked: the model takes only batch %d; export it with dynamic=True to check it", m.where(), b))
		}
		return nil, nil
	}
	cfg := s.sessionConfig()
	det, err := NewDetector(m, s.Size, cfg, yolo.DecodeOptions{
		ScoreThreshold: float32(opt.ScoreThreshold), IoUThreshold: float32(opt.IoUThreshold)})
	if err != nil {
		return nil, err
	}
	defer det.Close()
	acc := &results.Accuracy{ScoreThreshold: opt.ScoreThreshold, IoUThreshold: opt.IoUThreshold,
		Classes: det.Classes(), Images: make([]results.ImageDetections, len(imgs))}
	for i, im := range imgs {
		dets, err := det.Detect(im.Image)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", im.Path, err)
		}
		acc.Images[i] = results.ImageDetections{Image: im.Path, Width: im.Image.W, Height: im.Image.H,
			Detections: DetectionResults(dets, det.Names), LabelFile: im.LabelFile}
	}
	return acc, nil
}

// Classes returns the number of classes m detects as far as the file says,
// before any session: from a fixed output0 shape [batch, 4+classes,
// anchors], else from its Ultralytics names; 0 when unknown.
func (m *Model) Classes() int {
	if len(m.Info.Outputs) > 0 {
		if s := m.Info.Outputs[0].Shape; len(s) == 3 && s[1].Known() && s[1].Value > 4 {
			return int(s[1].Value) - 4
		}
	}
	if names, ok := parseNames(m.Info.Metadata["names"]); ok {
		n := 0
		for k := range names {
			n = max(n, k+1)
		}
		return n
	}
	return 0
}

// CheckAccuracyModels reports, before any timing, a model of specs that the
// accuracy check could not run: it feeds float32 images.
func CheckAccuracyModels(specs []Spec) error {
	for i := range specs {
		m := specs[i].Model
		if t := m.inputs[m.image].Type; t != "float32" {
			return errs.Inputf(m.where(), "export the model with a float32 input (no half=True), or leave out --check-images",
				"the accuracy check feeds float32 images; input is %s", t)
		}
	}
	return nil
}
