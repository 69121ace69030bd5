package accuracy

import "github.com/yologate/yologate/runner/results"

// Boxes converts detections (or labels) of a results file to Boxes.
func Boxes(ds []results.Detection) []Box {
	out := make([]Box, len(ds))
	for i, d := range ds {
		out[i] = Box{Class: d.Class, Score: d.Score, X1: d.X1, Y1: d.Y1, X2: d.X2, Y2: d.Y2}
	}
	return out
}
