package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	"github.com/yologate/yologate/workflow/merge"
	"github.com/yologate/yologate/workflow/publish"
	"github.com/yologate/yologate/workflow/setup"
)

// runMerge combines the reports of several runners into one comment,
// status and verdict.
func runMerge(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("merge", "merge [flags] FILE...\n\nFILE is a gate report (yologate gate --report) or a results file (yologate run --out) of one runner.")
	target := fs.String("target-fps", "", "frame rate every case must reach (e.g. 30); a case below it fails the merge")
	comment := fs.String("comment", "always", "when to write the sticky pull-request comment: "+strings.Join(report.CommentPolicies, ", "))
	var po publish.Options
	fs.StringVar(&po.CommentFile, "comment-file", "", "outside GitHub Actions: write the comment markdown to `FILE`")
	var where publish.Where
	fs.StringVar(&where.Key, "key", "", "key naming the merged comment and status (default WORKFLOW/JOB)")
	fs.StringVar(&where.Event, "event", "", "event payload `FILE` (default $GITHUB_EVENT_PATH)")
	fs.BoolVar(&po.CheckRun, "check-run", false, "report a check run instead of a commit status")
	status := fs.Bool("status", true, "set a commit status (or check run) named yologate/KEY")
	files, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errs.Usagef("merge", "pass the reports or results of each runner, e.g. yologate merge reports/*.json", "no files given")
	}
	targetFPS, err := parseTargetFPS(*target)
	if err != nil {
		return err
	}
	if po.Policy, err = report.ParseCommentPolicy(*comment); err != nil {
		return err
	}
	if err := setup.CheckOutPath("--comment-file", po.CommentFile); err != nil {
		return err
	}
	in, err := merge.Read(files, targetFPS)
	if err != nil {
		return err
	}
	t, err := publish.ReadTarget(c.Getenv, where)
	if err != nil {
		return err
	}
	o, fails := merge.Outcome(in, t.Key)
	fmt.Fprint(c.Stdout, o.Markdown)
	po.NoStatus, po.Stdout, po.Log = !*status, c.Stdout, c.Stderr
	pub, err := t.Publisher(po)
	if err != nil {
		return err
	}
	var verdict error
	if fails {
		verdict = &regressionError{msg: "merge: " + o.Title}
	}
	return publish.Send(ctx, pub, o, verdict, c.Stderr)
}

// parseTargetFPS reads --target-fps: a positive frame rate, or 0 for none.
func parseTargetFPS(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v > 0) {
		return 0, errs.Usagef("--target-fps", "write a positive frame rate such as 30", "%q is not a positive number", s)
	}
	return v, nil
}
