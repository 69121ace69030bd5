package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/yologate/yologate/runner/results"
	"github.com/yologate/yologate/runner/yolo"
)

// WriteModelList writes the table of standard models: the parameters and
// GFLOPs at 640 of the generated graphs beside the published figures.
func WriteModelList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "NAME\tFAMILY\tSCALE\tPARAMS\tGFLOPS@640\tPUBLISHED PARAMS\tPUBLISHED GFLOPS\t")
	for _, m := range yolo.StandardModels() {
		st, err := yolo.ModelStats(m.Name, 640, 640)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%s\t%.1f\t\n", m.Name, m.Family, m.Scale,
			Thousands(st.Params), st.GFLOPs, Thousands(m.PublishedParams), m.PublishedGFLOPs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nParameters and GFLOPs are those of the generated graph (batch norm folded; a multiply-add counts 2 FLOPs).")
	return err
}

// WriteDetections writes each image's detections, one per line.
func WriteDetections(w io.Writer, all []results.ImageDetections) {
	for _, im := range all {
		fmt.Fprintf(w, "%s (%dx%d): %d detections\n", im.Image, im.Width, im.Height, len(im.Detections))
		for _, d := range im.Detections {
			fmt.Fprintf(w, "  %-14s %.3f  x1=%.1f y1=%.1f x2=%.1f y2=%.1f\n", d.Name, d.Score, d.X1, d.Y1, d.X2, d.Y2)
		}
	}
}
