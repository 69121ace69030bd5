package accuracy

import (
	"bufio"
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/yologate/yologate/internal/errs"
)

// ParseLabels reads one image's labels in the Ultralytics/YOLO dataset
// format (https://docs.ultralytics.com/datasets/detect/): one line per box,
// "class cx cy w h", coordinates normalized to [0,1]. Boxes are returned in
// pixels of a width×height image. Blank lines and lines starting with '#'
// are skipped. numClasses bounds the class ids (0 means unbounded). Every bad
// line is reported as name:line:col, not only the first.
func ParseLabels(name string, data []byte, numClasses, width, height int) ([]Box, error) {
	var boxes []Box
	var problems errs.List
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		fields, cols := splitFields(text)
		if len(fields) != 5 {
			problems = append(problems, errs.At(name, line, 1, "write \"class cx cy w h\" with coordinates in [0,1]",
				"want 5 columns, got %d", len(fields)))
			continue
		}
		class, err := strconv.Atoi(fields[0])
		if err != nil || class < 0 {
			problems = append(problems, errs.At(name, line, cols[0], "class ids are integers from 0", "bad class id %q", fields[0]))
			continue
		}
		if numClasses > 0 && class >= numClasses {
			problems = append(problems, errs.At(name, line, cols[0], "use an id the model's names define",
				"class id %d is beyond the model's %d classes", class, numClasses))
			continue
		}
		var v [4]float64
		bad := false
		for i := 0; i < 4; i++ {
			f, err := strconv.ParseFloat(fields[i+1], 64)
			if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
				problems = append(problems, errs.At(name, line, cols[i+1], "coordinates are normalized to [0,1]",
					"%s %q is not a number in [0,1]", [4]string{"cx", "cy", "w", "h"}[i], fields[i+1]))
				bad = true
				break
			}
			v[i] = f
		}
		if bad {
			continue
		}
		cx, cy, w, h := v[0]*float64(width), v[1]*float64(height), v[2]*float64(width), v[3]*float64(height)
		boxes = append(boxes, Box{Class: class, X1: cx - w/2, Y1: cy - h/2, X2: cx + w/2, Y2: cy + h/2})
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, errs.At(name, line+1, 1, "keep each line under 1 MiB", "%v", err))
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return boxes, nil
}

// splitFields splits s on whitespace and returns each field's 1-based column.
func splitFields(s string) (fields []string, cols []int) {
	start := -1
	for i, r := range s {
		space := r == ' ' || r == '\t' || r == '\r'
		if !space && start < 0 {
			start = i
		}
		if space && start >= 0 {
			fields, cols = append(fields, s[start:i]), append(cols, start+1)
			start = -1
		}
	}
	if start >= 0 {
		fields, cols = append(fields, s[start:]), append(cols, start+1)
	}
	return fields, cols
}
