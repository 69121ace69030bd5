package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/workflow/setup"
)

// runDetect prints the detections of a model on images: the sanity check
// that a model (and yologate's pre- and post-processing) finds what it
// should before its speed means anything.
func runDetect(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("detect", "detect --model MODEL [flags] IMAGE...")
	var d setup.Detect
	d.Register(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	res, err := d.Run(ctx, c.env(), fs.Args())
	if err != nil {
		return err
	}
	if d.Format == "json" {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res.Accuracy)
	}
	fmt.Fprintf(c.Stdout, "model %s, input %v, %s provider, score > %g, NMS IoU %g\n", res.Model, res.Size, res.Provider, d.Conf, d.IoU)
	report.WriteDetections(c.Stdout, res.Accuracy.Images)
	return nil
}
