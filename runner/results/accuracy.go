package results

// Accuracy is the correctness check of a case on reference images, run
// outside the timed loop.
type Accuracy struct {
	ScoreThreshold float64 `json:"score_threshold"`
	IoUThreshold   float64 `json:"iou_threshold"`
	// Classes is the number of classes the model detects; label class ids
	// must be below it. 0 when unknown.
	Classes int               `json:"classes,omitempty"`
	Images  []ImageDetections `json:"images"`
	// Summary holds the figures against the labels; nil when no image
	// has a label file.
	Summary *AccuracySummary `json:"summary,omitempty"`
}

// AccuracySummary is a case's detections scored against the labels of the
// labelled reference images.
type AccuracySummary struct {
	// LabelledImages is how many images had a label file.
	LabelledImages int `json:"labelled_images"`
	// MAP50 and MAP5095 are COCO mAP at IoU 0.5 and over 0.50:0.05:0.95,
	// in [0,1], of the detections above ScoreThreshold.
	MAP50   float64 `json:"map50"`
	MAP5095 float64 `json:"map50_95"`
	// Precision and Recall are at ScoreThreshold and IoU 0.5, in [0,1].
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// ImageDetections holds the detections on one reference image.
type ImageDetections struct {
	Image      string      `json:"image"`
	Width      int         `json:"width"`
	Height     int         `json:"height"`
	Detections []Detection `json:"detections"`
	// LabelFile is the image's label file; empty when it has none.
	LabelFile string `json:"label_file,omitempty"`
	// Labels are the boxes of LabelFile in original-image pixels, with
	// score 0; an empty file (an image with no objects) gives none.
	Labels []Detection `json:"labels,omitempty"`
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
