package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/report"
)

// Limits GitHub enforces on what it stores.
const (
	// MaxBody is the longest comment body and check-run summary, in
	// characters (GitHub rejects 65,536 and more).
	MaxBody = 65535
	// maxDescription is the longest commit-status description.
	maxDescription = 140
	// pageSize is the most comments one list request returns.
	pageSize = 100
	// maxPages bounds the marker search: 10,000 comments is beyond any
	// pull request people still read.
	maxPages = 100
)

// Publisher delivers a gate's Outcome on GitHub: the sticky pull-request
// comment, a commit status or check run, and the step summary, outputs and
// annotations. A 403 or 404 from the API (a read-only token on a fork, a
// missing permission) is reported in the summary and as a warning, and is
// not an error: it never changes the verdict.
type Publisher struct {
	Client  *gh.Client
	Env     Env
	Actions *Actions
	Policy  report.CommentPolicy
	// CheckRun selects a check run instead of a commit status.
	CheckRun bool
	// NoStatus skips the commit status and check run.
	NoStatus bool
	// Log receives one line per thing done ("comment: updated URL").
	Log io.Writer
}

var _ report.Publisher = (*Publisher)(nil)

// Marker returns the hidden line that identifies the sticky comment of the
// gate key; the key is escaped so that it cannot end the HTML comment.
func Marker(key string) string {
	esc := strings.ReplaceAll(url.QueryEscape(key), "-", "%2D")
	return "<!-- yologate:gate " + esc + " -->"
}

// APIWhere names the GitHub API in the error Publish returns when it could
// not post: callers tell it apart from a local write failure by it.
const APIWhere = "GitHub API"

// Publish posts the comment and status as far as the token allows, then
// writes the summary, outputs and annotations. It returns an error only for
// an API failure other than 403, 404 or an exhausted rate limit (after
// retries), or a runner file it cannot write; the summary is written in
// every case.
func (p *Publisher) Publish(ctx context.Context, o *report.Outcome) error {
	var notes []string // why something was not posted, for the summary
	var failure error  // the first non-fallback API failure
	if p.Log == nil {
		p.Log = io.Discard
	}
	fallback := func(what string, err error) {
		code := statusOf(err)
		why := ""
		switch {
		case code == http.StatusTooManyRequests:
			why = "rate limited beyond the retry cap"
		case (code == http.StatusForbidden || code == http.StatusNotFound) && p.Env.Event.Fork:
			why = "pull requests from forks get a read-only token; post from a workflow_run job (see the fork-safe workflow in the README)"
		case code == http.StatusForbidden || code == http.StatusNotFound:
			why = "the token lacks the permission: grant pull-requests: write and statuses: write (or checks: write)"
		}
		if why != "" {
			notes = append(notes, fmt.Sprintf("could not %s: %s (%s)", what, err, why))
			return
		}
		notes = append(notes, fmt.Sprintf("could not %s: %s", what, err))
		if failure == nil {
			failure = errs.Envf(APIWhere, "check the API status and the token's permissions", "cannot %s: %s", what, err)
		}
	}
	if p.Client != nil && p.Env.Owner != "" {
		if p.Env.PR != 0 && (p.Env.SHA == "" || p.Env.Event.Name == "issue_comment") {
			if err := p.resolveHead(ctx); err != nil {
				fallback("look up the pull request's head commit", err)
			}
		}
		if p.Env.PR != 0 && p.Policy != report.CommentNever {
			if err := p.comment(ctx, o); err != nil {
				fallback("post the pull-request comment", err)
			}
		}
		if !p.NoStatus && p.Env.SHA != "" {
			what := "set the commit status"
			if p.CheckRun {
				what = "create the check run"
			}
			if err := p.status(ctx, o); err != nil {
				fallback(what, err)
			}
		}
	}
	return p.local(o, notes, failure)
}

// local writes what goes to the runner itself; notes are fallback messages.
func (p *Publisher) local(o *report.Outcome, notes []string, failure error) error {
	a := p.Actions
	summary := o.Summary
	if summary == "" {
		summary = o.Markdown
	}
	for _, n := range notes {
		summary += "\n> [!WARNING]\n> yologate " + escapeQuote(n) + ". The report above is this step's summary.\n"
	}
	if a == nil {
		return failure
	}
	for _, an := range o.Annotations {
		a.Annotate(an)
	}
	for _, n := range notes {
		a.Annotate(report.Annotation{Level: report.LevelWarning, Title: "yologate", Message: "yologate " + n + "; the report is in the step summary"})
	}
	if err := a.AppendSummary(summary); err != nil {
		return err
	}
	fps := ""
	if o.FPS > 0 {
		fps = fmt.Sprintf("%.2f", o.FPS)
	}
	if err := a.SetOutputs(Output{"verdict", o.Verdict}, Output{"fps", fps}, Output{"report", o.ReportPath}); err != nil {
		return err
	}
	return failure
}

// escapeQuote keeps a note inside its blockquote line.
func escapeQuote(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// resolveHead finds the pull request's head commit, which issue_comment
// payloads do not carry.
func (p *Publisher) resolveHead(ctx context.Context) error {
	pr, _, err := p.Client.PullRequests.Get(ctx, p.Env.Owner, p.Env.Repo, p.Env.PR)
	if err != nil {
		return scrubError(err, p.Env.Token)
	}
	p.Env.SHA = pr.GetHead().GetSHA()
	if head := pr.GetHead().GetRepo(); head == nil || !strings.EqualFold(head.GetFullName(), p.Env.Owner+"/"+p.Env.Repo) {
		p.Env.Event.Fork = true
	}
	return nil
}

// comment creates or updates the sticky comment of o.Key.
func (p *Publisher) comment(ctx context.Context, o *report.Outcome) error {
	body := Body(o.Key, o.Markdown)
	existing, err := p.findComment(ctx, Marker(o.Key))
	if err != nil {
		return err
	}
	switch {
	case existing != nil && existing.GetBody() == body:
		fmt.Fprintf(p.Log, "comment: unchanged %s\n", existing.GetHTMLURL())
	case existing != nil:
		c, _, err := p.Client.Issues.EditComment(ctx, p.Env.Owner, p.Env.Repo, existing.GetID(), &gh.IssueComment{Body: &body})
		if err != nil {
			return scrubError(err, p.Env.Token)
		}
		fmt.Fprintf(p.Log, "comment: updated %s\n", c.GetHTMLURL())
	case p.Policy.Creates(o):
		c, _, err := p.Client.Issues.CreateComment(ctx, p.Env.Owner, p.Env.Repo, p.Env.PR, &gh.IssueComment{Body: &body})
		if err != nil {
			return scrubError(err, p.Env.Token)
		}
		fmt.Fprintf(p.Log, "comment: created %s\n", c.GetHTMLURL())
	default:
		fmt.Fprintf(p.Log, "comment: none (--comment %s and verdict %s)\n", p.Policy, o.Verdict)
	}
	return nil
}

// findComment returns the first comment that starts with marker, reading
// the pull request's comments page by page (the Link header's next) up to
// maxPages; a next page that does not advance ends the listing.
func (p *Publisher) findComment(ctx context.Context, marker string) (*gh.IssueComment, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: pageSize}}
	for page := 1; page <= maxPages; page++ {
		comments, resp, err := p.Client.Issues.ListComments(ctx, p.Env.Owner, p.Env.Repo, p.Env.PR, opts)
		if err != nil {
			return nil, scrubError(err, p.Env.Token)
		}
		for _, c := range comments {
			// The marker must open the body: a reply quoting it does not count.
			if strings.HasPrefix(c.GetBody(), marker) {
				return c, nil
			}
		}
		if resp.NextPage <= page {
			return nil, nil
		}
		page = resp.NextPage - 1
		opts.Page = resp.NextPage
	}
	fmt.Fprintf(p.Log, "comment: no marker in the first %d pages; creating a new one\n", maxPages)
	return nil, nil
}

// Body is the comment body for a gate key: the marker line, then the
// markdown, cut to MaxBody characters with a note if it is longer.
func Body(key, markdown string) string {
	body := Marker(key) + "\n" + markdown
	return Truncate(body, MaxBody)
}

// Truncate cuts s to at most max characters at a line boundary and says so.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	const note = "\n\n… (truncated: the full report is in the step summary and the job's artifacts)\n"
	limit := max - utf8.RuneCountInString(note)
	end, n := len(s), 0
	for i := range s {
		if n == limit {
			end = i
			break
		}
		n++
	}
	cut := strings.LastIndexByte(s[:end], '\n')
	if cut <= 0 {
		cut = end
	}
	return s[:cut] + note
}

// status sets the commit status or creates the check run for o.
func (p *Publisher) status(ctx context.Context, o *report.Outcome) error {
	name := "yologate/" + o.Key
	if p.CheckRun {
		conclusion := o.State.String()
		summary := Truncate(o.Markdown, MaxBody)
		title := firstLine(o.Title, 255)
		opts := gh.CreateCheckRunOptions{
			Name:        name,
			HeadSHA:     p.Env.SHA,
			Status:      gh.String("completed"),
			Conclusion:  &conclusion,
			CompletedAt: &gh.Timestamp{Time: time.Now().UTC().Truncate(time.Second)},
			Output:      &gh.CheckRunOutput{Title: &title, Summary: &summary},
		}
		if p.Env.RunURL != "" {
			opts.DetailsURL = &p.Env.RunURL
		}
		run, _, err := p.Client.Checks.CreateCheckRun(ctx, p.Env.Owner, p.Env.Repo, opts)
		if err != nil {
			return scrubError(err, p.Env.Token)
		}
		fmt.Fprintf(p.Log, "check run: %s %s %s\n", name, conclusion, run.GetHTMLURL())
		return nil
	}
	state := o.StatusState()
	st := &gh.RepoStatus{State: &state, Context: &name, Description: gh.String(firstLine(o.Title, maxDescription))}
	if p.Env.RunURL != "" {
		st.TargetURL = &p.Env.RunURL
	}
	if _, _, err := p.Client.Repositories.CreateStatus(ctx, p.Env.Owner, p.Env.Repo, p.Env.SHA, st); err != nil {
		return scrubError(err, p.Env.Token)
	}
	fmt.Fprintf(p.Log, "status: %s %s on %s\n", name, state, short(p.Env.SHA))
	return nil
}

// firstLine returns s's first line, cut to max characters.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
