package results

// Accuracy is the correctness check of a case on reference images, run
// outside the timed loop.
type Accuracy struct {
	ScoreThreshold float64           `json:"score_threshold"`
	IoUThreshold   float64           `json:"iou_threshold"`
	Images         []ImageDetections `json:"images"`
}

// ImageDetections holds the detections on one reference image.
type ImageDetections struct {
	Image      string      `json:"image"`
	Width      int         `json:"width"`
	Height     int         `json:"height"`
	Detections []Detection `json:"detections"`
}

// Detection is one detected box in original-image pixels.
type Detection struct {
	Class int     `json:"class"`
	Name  string  `json:"name,omitempty"`
	Score float64 `json:"score"`
	X1    float64 `json:"x1"`
	Y1    float64 `json:"y1"`
	X2    float64 `json:"x2"`
	Y2    float64 `json:"y2"`
}
