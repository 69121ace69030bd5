package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
	ghreport "github.com/yologate/yologate/report/github"
)

func runMerge(ctx context.Context, c *Command, args []string) error {
	fs := c.newFlags("merge", "merge [flags] FILE...\n\nFILE is a gate report (yologate gate --report) or a results file (yologate run --out) of one runner.")
	target := fs.String("target-fps", "", "frame rate every case must reach (e.g. 30); a case below it fails the merge")
	comment := fs.String("comment", "always", "when to write the sticky pull-request comment: "+strings.Join(report.CommentPolicies, ", "))
	commentFile := fs.String("comment-file", "", "outside GitHub Actions: write the comment markdown to `FILE`")
	key := fs.String("key", "", "key naming the merged comment and status (default WORKFLOW/JOB)")
	event := fs.String("event", "", "event payload `FILE` (default $GITHUB_EVENT_PATH)")
	checkRun := fs.Bool("check-run", false, "report a check run instead of a commit status")
	status := fs.Bool("status", true, "set a commit status (or check run) named yologate/KEY")
	files, err := c.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errs.Usagef("merge", "pass the reports or results of each runner, e.g. yologate merge reports/*.json", "no files given")
	}
	in := report.MatrixInput{}
	if *target != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(*target), 64)
		if err != nil || !(v > 0) {
			return errs.Usagef("--target-fps", "write a positive frame rate such as 30", "%q is not a positive number", *target)
		}
		in.TargetFPS = v
	}
	policy, err := report.ParseCommentPolicy(*comment)
	if err != nil {
		return err
	}
	if err := checkOutPath("--comment-file", *commentFile); err != nil {
		return err
	}
	for _, f := range files {
		g, err := report.ReadMergeInput(f)
		if err != nil {
			return err
		}
		in.Gates = append(in.Gates, g)
	}
	env, err := ghreport.ReadEnv(c.Getenv, *event)
	if err != nil {
		return err
	}
	k := *key
	if k == "" {
		if k, err = ghreport.GateKey(env.Workflow, env.Job, ""); err != nil {
			return err
		}
	}
	md := report.MatrixMarkdown(in)
	fmt.Fprint(c.Stdout, md)

	fails := report.MatrixFails(in)
	worst := compare.Unchanged
	for _, g := range in.Gates {
		worst = compare.Worst(worst, g.Verdict)
	}
	title, _, _ := strings.Cut(strings.TrimPrefix(md, "### "), "\n")
	o := &report.Outcome{Key: k, Verdict: string(worst), Title: title, Markdown: md, Changed: worst != compare.Unchanged || fails}
	if fails {
		o.State = report.StateFailure
		if worst == compare.Unchanged {
			o.Verdict = "below-target"
		}
	}
	for _, g := range in.Gates {
		for _, e := range g.Cases {
			if o.FPS == 0 {
				o.FPS = e.FPS
			}
			if in.TargetFPS > 0 && e.FPS < in.TargetFPS {
				o.Annotations = append(o.Annotations, report.Annotation{Level: report.LevelError, Title: "yologate below target",
					Message: fmt.Sprintf("%s on %s: %.1f FPS < target %g", e.CaseID, e.Profile, e.FPS, in.TargetFPS)})
			}
		}
	}
	gf := gateFlags{checkRun: *checkRun, status: *status, commentFile: *commentFile}
	pub, err := c.publisher(env, policy, &gf)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	pubErr := pub.Publish(pctx, o)
	var verdict error
	if fails {
		verdict = &regressionError{msg: "merge: " + title}
	}
	return c.afterPublish(ctx, verdict, pubErr)
}
