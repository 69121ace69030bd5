package report

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// MaxCommentChars is the longest comment CommentMarkdown returns, in
// characters: GitHub refuses bodies of 65,536 and more, and the sticky
// comment's marker line and a truncation note need room.
const MaxCommentChars = 65000

// CommentInput is what a pull-request comment is drawn from.
type CommentInput struct {
	Report *compare.Report
	// Current is the run that was compared, for telemetry and marks; nil
	// when only a report was given.
	Current *results.File
	// Baseline is the baseline file compared with, for provenance; may be nil.
	Baseline *baselines.File
	// Key is the gate key (workflow/job/matrix entry).
	Key string
	// RunURL links to the CI run; empty outside CI.
	RunURL string
	// Args are the gate's arguments (after "gate"), from which the comment
	// builds the command that measures a case again locally; nil shows none.
	Args []string
	// Confirmed lists the case ids that were flagged as regressions and
	// measured again before the verdict (see yologate gate --confirm).
	Confirmed []string
	// Paired, when set, says the base was measured in the same job and
	// decided the verdict; Baseline is then only the reference.
	Paired *PairedInfo
	// History, when set, says what main's history did for the verdicts,
	// and holds each case's trend.
	History *HistoryInfo
}

// verdictEmoji is the mark shown next to each verdict.
var verdictEmoji = map[compare.Verdict]string{
	compare.Unchanged:          "✅",
	compare.Improvement:        "🚀",
	compare.New:                "🆕",
	compare.Missing:            "❔",
	compare.Inconclusive:       "⚠️",
	compare.Regression:         "❌",
	compare.AccuracyRegression: "❌",
}

func emoji(v compare.Verdict) string {
	if e, ok := verdictEmoji[v]; ok {
		return e
	}
	return "⚠️"
}

// Headline is the one-line verdict with emoji, in markdown (the case id is
// escaped): "❌ yologate: regression: model=yolov8n/… fps −12.3% (1 of 3 cases)".
func Headline(r *compare.Report) string { return headline(r, commentText, nil) }

// PlainHeadline is Headline as plain text, for the commit status
// description, the check-run title and the gate report.
func PlainHeadline(r *compare.Report) string {
	return headline(r, func(s string, max int) string { return cut(strings.Join(strings.Fields(s), " "), max) }, nil)
}

// headline renders the verdict line; text makes user text safe for where
// the line goes, and name, when not nil, shortens case ids.
func headline(r *compare.Report, text func(s string, max int) string, name func(id string) string) string {
	n := len(r.Cases)
	if n == 0 {
		return "⚠️ yologate: no cases were compared"
	}
	var worst *compare.CaseResult
	count := 0
	for i := range r.Cases {
		if r.Cases[i].Verdict == r.Verdict {
			count++
			if worst == nil {
				worst = &r.Cases[i]
			}
		}
	}
	news, missing := 0, 0
	for _, c := range r.Cases {
		switch c.Verdict {
		case compare.New:
			news++
		case compare.Missing:
			missing++
		}
	}
	switch {
	case r.Fail && r.Verdict == compare.New:
		return fmt.Sprintf("❌ yologate: %d of %d %s have no baseline for this runner's profile, and the gate requires one (require-baseline)", news, n, plural(n, "case"))
	case r.ChecksNothing():
		return fmt.Sprintf("⚠️ yologate: no case has a baseline: this gate checks nothing (%d new, %d missing)", news, missing)
	case len(r.Replaced) > 0 && !r.Fail && r.Verdict.Severity() <= compare.Missing.Severity():
		rp := r.Replaced[0]
		old, cur := rp.Missing, rp.New
		if name != nil {
			old, cur = name(old), name(cur)
		}
		return fmt.Sprintf("⚠️ yologate: model replaced: %s missing, %s new; nothing compares them (%d of %d %s unchecked)",
			text(old, 80), text(cur, 80), news+missing, n, plural(n, "case"))
	}
	switch r.Verdict {
	case compare.Unchanged:
		return fmt.Sprintf("✅ yologate: no significant change in %d %s", n, plural(n, "case"))
	case compare.Improvement:
		return fmt.Sprintf("🚀 yologate: faster in %d of %d %s, nothing slower", count, n, plural(n, "case"))
	case compare.New:
		return fmt.Sprintf("🆕 yologate: %d of %d %s have no baseline yet, nothing slower", count, n, plural(n, "case"))
	case compare.Missing:
		return fmt.Sprintf("❔ yologate: %d baseline %s did not run, nothing slower", count, plural(count, "case"))
	}
	what := string(r.Verdict)
	id := worst.ID
	if name != nil {
		id = name(id)
	}
	if r.Verdict == compare.AccuracyRegression && worst.Accuracy != nil {
		what += fmt.Sprintf(": %s %s", text(id, 80), accuracyFigures(worst.Accuracy))
	} else if m := worstMetric(worst); m != nil && r.Verdict != compare.Inconclusive {
		what += fmt.Sprintf(": %s %s %s", text(id, 80), m.Metric.Label(), signedPct(m.DeltaPct))
	}
	prefix := emoji(r.Verdict) + " yologate: "
	if r.Fail {
		prefix = "❌ yologate: "
	}
	return fmt.Sprintf("%s%s (%d of %d %s)", prefix, what, count, n, plural(n, "case"))
}

// worstMetric returns the metric that decided c's verdict, else FPS, else nil.
func worstMetric(c *compare.CaseResult) *compare.MetricResult {
	if c == nil {
		return nil
	}
	for i := range c.Metrics {
		if c.Metrics[i].Verdict == c.Verdict {
			return &c.Metrics[i]
		}
	}
	return fpsMetric(c)
}

func fpsMetric(c *compare.CaseResult) *compare.MetricResult {
	for i := range c.Metrics {
		if c.Metrics[i].Metric == compare.FPS {
			return &c.Metrics[i]
		}
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func signedPct(p float64) string {
	s := fmt.Sprintf("%+.1f%%", p)
	return strings.Replace(s, "-", "−", 1)
}

// CommentMarkdown renders the pull-request comment: the verdict line, the
// table of cases, what changed in the environment, FPS charts, and a
// collapsed section with raw samples, telemetry and how to reproduce. It
// stays under MaxCommentChars: with many cases it lists only the cases that
// need attention in full, then drops details, then truncates with a note.
func CommentMarkdown(in CommentInput) string {
	return MarkdownWithin(in, MaxCommentChars)
}

// MaxSummaryChars bounds the step summary, which GitHub caps at 1 MiB.
const MaxSummaryChars = 1 << 19

// MarkdownWithin renders the comment's markdown within max characters: the
// step summary uses MaxSummaryChars, so that it keeps what the comment
// had to leave out.
func MarkdownWithin(in CommentInput, max int) string {
	for _, level := range []detail{full, summarized, bare} {
		s := renderComment(in, level)
		if utf8.RuneCountInString(s) <= max {
			return s
		}
	}
	return truncateMarkdown(renderComment(in, bare), max)
}

// detail is how much of the report a comment shows.
type detail int

const (
	full       detail = iota // every case, charts and raw samples
	summarized               // unchanged cases counted, not listed; details for the rest
	bare                     // the table of cases that need attention only
)

func renderComment(in CommentInput, level detail) string {
	r := in.Report
	shown, hidden := r.Cases, 0
	if level > full {
		shown = nil
		for _, c := range r.Cases {
			if c.Verdict == compare.Unchanged {
				hidden++
			} else {
				shown = append(shown, c)
			}
		}
	}
	shown = bySeverity(shown)
	names := nameCases(shown)
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", headline(r, commentText, names.short))
	if in.Paired != nil {
		fmt.Fprintf(&b, "%s\n\n", in.Paired.pairedLine())
	}
	if in.History != nil {
		fmt.Fprintf(&b, "%s\n\n", in.History.historyLine(r, in.Paired != nil))
	}
	if len(in.Confirmed) > 0 {
		fmt.Fprintf(&b, "Re-measured before the verdict: %s.\n\n", codeList(in.Confirmed))
	}
	writeCaseTable(&b, shown, names)
	if hidden > 0 {
		fmt.Fprintf(&b, "\n%d unchanged %s not listed (%d cases in all; the step summary and the JSON report have every one).\n", hidden, plural(hidden, "case"), len(r.Cases))
	}
	writeReasons(&b, shown, names, r.Options)
	writeEnvChanges(&b, r.Cases)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n> %s\n", commentText(n, 500))
	}
	if in.Paired != nil && level < bare {
		writeReference(&b, in.Paired.Reference)
	}
	if level < bare {
		writeCharts(&b, shown, names)
		writeTrends(&b, in.History, shown, names)
		writeDetails(&b, in, shown)
	}
	if r.ChecksNothing() || r.Fail && r.Verdict == compare.New {
		fmt.Fprintf(&b, "\n**To seed the baseline** for this runner: run the baseline-update workflow (Actions → baseline-update → Run workflow), which measures on this runner and opens a pull request with the file, or here `%s` and commit the file.\n",
			codeText(AcceptCommand(in.Args, baselinePath(in)), 400))
	}
	if r.Verdict == compare.Regression || r.Verdict == compare.AccuracyRegression {
		fmt.Fprintf(&b, "\n**If the change is intended**, make this run the baseline after review: add the label `perf-baseline-approved` to the pull request where the baseline-update workflow runs, or on this runner `%s` and commit the file.\n",
			codeText(AcceptCommand(in.Args, baselinePath(in)), 400))
	}
	if in.History != nil && in.History.Recorded != "" {
		fmt.Fprintf(&b, "\n%s\n", in.History.recordedLine())
	}
	b.WriteString("\n<sub>")
	b.WriteString(commentText(compareSettings(r), 400))
	if in.Key != "" {
		fmt.Fprintf(&b, " · gate `%s`", codeText(in.Key, 200))
	}
	if safeURL(in.RunURL) {
		fmt.Fprintf(&b, " · [run](%s) (its artifacts hold the HTML report with charts)", in.RunURL)
	}
	b.WriteString("</sub>\n")
	return b.String()
}

// baselinePath is the path of the baseline the gate compared with, or "".
func baselinePath(in CommentInput) string {
	if in.Baseline != nil {
		return in.Baseline.Path
	}
	return ""
}

// bySeverity returns the cases, the worst verdicts first.
func bySeverity(cases []compare.CaseResult) []compare.CaseResult {
	out := append([]compare.CaseResult(nil), cases...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Verdict.Severity() > out[j].Verdict.Severity() })
	return out
}

// writeCaseTable writes the table of cases, verdict and change first so
// that they stay in view in a narrow comment: a row per case and one for
// each latency metric that decided a verdict. What every case shares is
// said above the table; the case column holds the rest of each id.
func writeCaseTable(b *strings.Builder, cases []compare.CaseResult, names caseNames) {
	if len(cases) == 0 {
		return
	}
	if s := names.intro(); s != "" {
		b.WriteString(s + "\n\n")
	}
	head := []string{"verdict", "Δ", "case"}
	align := []string{"---", "--:", "---"}
	hw, acc := names.profile == "", anyAccuracy(cases)
	if hw {
		head, align = append(head, "hardware"), append(align, "---")
	}
	if acc {
		head, align = append(head, "accuracy"), append(align, "---")
	}
	head, align = append(head, "baseline", "current", "p"), append(align, "--:", "--:", "--:")
	fmt.Fprintf(b, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
	for _, c := range cases {
		rows := []*compare.MetricResult{fpsMetric(&c)}
		for i := range c.Metrics {
			if m := &c.Metrics[i]; m.Metric != compare.FPS && m.Verdict != compare.Unchanged {
				rows = append(rows, m)
			}
		}
		for i, m := range rows {
			// The first row carries the case's verdict unless a latency
			// row below has its own; an accuracy verdict stays with the case.
			v := c.Verdict
			if m != nil && (i > 0 || len(rows) > 1 && c.Verdict != compare.AccuracyRegression) {
				v = m.Verdict
			}
			verdict := fmt.Sprintf("%s %s", emoji(v), v)
			if v.Fails(compare.Options{}) {
				verdict = "**" + verdict + "**"
			}
			cells := []string{verdict, "—", "↳"}
			profile, accuracy := "", "—"
			if i == 0 {
				cells[2], profile, accuracy = names.cell(c.ID), commentText(strings.TrimPrefix(c.Profile, "gpu="), 120), commentText(accuracyCell(c.Accuracy), 120)
			}
			if hw {
				cells = append(cells, profile)
			}
			if acc {
				cells = append(cells, accuracy)
			}
			if m == nil {
				cells = append(cells, "—", "—", "—")
			} else {
				cells[1] = signedPct(m.DeltaPct) + " " + m.Metric.Label()
				cells = append(cells, cmpValue(m.Old.Median), cmpValue(m.New.Median), cmpP(m.PHolm))
			}
			fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		}
	}
}

func writeReasons(b *strings.Builder, cases []compare.CaseResult, names caseNames, opt compare.Options) {
	var lines []string
	for _, c := range cases {
		id := names.cell(c.ID)
		if c.Reason != "" {
			lines = append(lines, fmt.Sprintf("- %s %s: %s", emoji(c.Verdict), id, commentText(caseReason(c), 600)))
		}
		if th := caseThreshold(c, opt); th != "" {
			lines = append(lines, fmt.Sprintf("- 📏 %s: %s", id, th))
		}
		if mc := c.ModelChanged; mc != nil {
			lines = append(lines, fmt.Sprintf("- 🔁 %s: model changed (%s `%s` → %s `%s`); compared as the change under review",
				id, commentText(mc.OldName, 80), results.ShortSHA(mc.OldSHA256), commentText(mc.NewName, 80), results.ShortSHA(mc.NewSHA256)))
		}
		if len(c.Marks) > 0 {
			lines = append(lines, fmt.Sprintf("- 🌡️ %s: %s", id, commentText(strings.Join(c.Marks, "; "), 400)))
		}
		if len(c.GPUChanges) > 0 && c.Verdict != compare.Unchanged {
			lines = append(lines, fmt.Sprintf("- 🖥️ %s: on the GPU: %s", id, commentText(strings.Join(c.GPUChanges, "; "), 600)))
		}
	}
	if len(lines) > 0 {
		b.WriteString("\n" + strings.Join(lines, "\n") + "\n")
	}
}

// writeEnvChanges lists each differing environment field once, with the
// cases it affects.
func writeEnvChanges(b *strings.Builder, cases []compare.CaseResult) {
	writeChanges(b, cases, "field", "**Environment changes** (a changed environment makes a case inconclusive):",
		func(c compare.CaseResult) []compare.EnvDiff { return c.EnvDiff })
	writeChanges(b, cases, "setting", "**Accuracy check settings changed** (its detections are not comparable: the check is inconclusive, not an accuracy regression):",
		func(c compare.CaseResult) []compare.EnvDiff {
			if c.Accuracy == nil {
				return nil
			}
			return c.Accuracy.SettingsDiff
		})
}

// writeChanges writes a table of the differences diffs finds in cases,
// each with the number of cases it affects, under title.
func writeChanges(b *strings.Builder, cases []compare.CaseResult, column, title string, diffs func(compare.CaseResult) []compare.EnvDiff) {
	type change struct{ field, old, new string }
	affected := map[change]int{}
	var order []change
	for _, c := range cases {
		for _, d := range diffs(c) {
			k := change{d.Field, d.Old, d.New}
			if affected[k] == 0 {
				order = append(order, k)
			}
			affected[k]++
		}
	}
	if len(order) == 0 {
		return
	}
	b.WriteString("\n" + title + "\n\n")
	b.WriteString("| " + column + " | baseline | this run | cases |\n|---|---|---|--:|\n")
	for _, k := range order {
		fmt.Fprintf(b, "| %s | %s | %s | %d |\n", commentText(k.field, 60), orDash(commentText(k.old, 120)), orDash(commentText(k.new, 120)), affected[k])
	}
}

func writeDetails(b *strings.Builder, in CommentInput, cases []compare.CaseResult) {
	b.WriteString("\n<details><summary>Raw samples, telemetry and how to reproduce</summary>\n\n")
	for _, c := range cases {
		if len(c.Metrics) == 0 {
			continue
		}
		fmt.Fprintf(b, "**`%s`** on %s\n\n", codeText(c.ID, 200), commentText(c.Profile, 120))
		b.WriteString("| metric | baseline samples | current samples |\n|---|---|---|\n")
		for _, m := range c.Metrics {
			fmt.Fprintf(b, "| %s | %s | %s |\n", m.Metric.Label(), samples(m.Old.Values), samples(m.New.Values))
		}
		if t := telemetryLine(in.Current, c); t != "" {
			fmt.Fprintf(b, "\nTelemetry: %s\n", t)
		}
		b.WriteString("\n")
	}
	if in.Baseline != nil {
		if p := provenance(in.Baseline, cases); p != "" {
			fmt.Fprintf(b, "Baseline: %s\n\n", p)
		}
	}
	writeReproduce(b, in.Args, cases)
	b.WriteString("</details>\n")
}

// writeReproduce writes the commands that measure the cases that need
// attention again, the worst first; when none does, the whole gate.
func writeReproduce(b *strings.Builder, args []string, cases []compare.CaseResult) {
	if args == nil {
		return
	}
	var ids []compare.CaseResult
	for _, c := range cases {
		if c.Verdict != compare.Unchanged && c.Verdict != compare.New && c.Verdict != compare.Missing && len(ids) < maxCharts {
			ids = append(ids, c)
		}
	}
	if len(ids) == 0 {
		b.WriteString("Reproduce locally (same hardware profile):\n\n```sh\n")
		b.WriteString(strings.ReplaceAll(ReproduceCommand(args, ""), "```", "'''"))
		b.WriteString("\n```\n\n")
		return
	}
	for _, c := range ids {
		fmt.Fprintf(b, "Reproduce `%s` locally (on %s):\n\n```sh\n", codeText(c.ID, 200), commentText(c.Profile, 120))
		b.WriteString(strings.ReplaceAll(ReproduceCommand(args, c.ID), "```", "'''"))
		b.WriteString("\n```\n\n")
	}
}

func samples(v []float64) string {
	if len(v) == 0 {
		return "—"
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = cmpValue(x)
	}
	return strings.Join(s, " ")
}

// telemetryLine summarizes the GPU telemetry of case c over its repeats.
func telemetryLine(f *results.File, c compare.CaseResult) string {
	if f == nil {
		return ""
	}
	for _, rc := range f.Cases {
		if rc.ID != c.ID || rc.Profile != c.Profile {
			continue
		}
		var util, power, temp, jpf float64
		n := 0
		reason := ""
		var throttle []string
		for _, r := range rc.Repeats {
			t := r.Telemetry
			if t == nil {
				continue
			}
			if !t.Available {
				reason = t.Reason
				continue
			}
			n++
			util += t.GPUUtilMeanPct
			power += t.PowerMeanW
			temp = math.Max(temp, t.TempMaxC)
			jpf += t.JoulesPerFrame
			throttle = append(throttle, t.ThrottleReasons...)
		}
		if n == 0 {
			if reason == "" {
				reason = "not sampled"
			}
			return "unavailable (" + commentText(reason, 200) + ")"
		}
		s := fmt.Sprintf("GPU utilization %.0f%%, power %.0f W, max temperature %.0f °C, %.3f J/frame", util/float64(n), power/float64(n), temp, jpf/float64(n))
		if len(throttle) > 0 {
			s += ", throttled: " + commentText(strings.Join(dedupe(throttle), ", "), 200)
		}
		return s
	}
	return ""
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// provenance says where the baseline of the shown cases came from.
func provenance(f *baselines.File, cases []compare.CaseResult) string {
	var parts []string
	seen := map[string]bool{}
	for _, c := range cases {
		bc := f.Lookup(c.Profile, c.ID)
		if bc == nil {
			continue
		}
		p := bc.Provenance
		var s []string
		if p.Commit != "" {
			s = append(s, "commit `"+codeText(results.ShortSHA(p.Commit), 40)+"`")
		}
		if !p.Date.IsZero() {
			s = append(s, p.Date.UTC().Format("2006-01-02"))
		}
		if p.Author != "" {
			s = append(s, "by "+commentText(p.Author, 60))
		}
		if p.Reason != "" {
			s = append(s, "("+commentText(p.Reason, 120)+")")
		}
		line := strings.Join(s, " ")
		if line != "" && !seen[line] {
			seen[line] = true
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func codeList(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "`" + codeText(id, 200) + "`"
	}
	return strings.Join(out, ", ")
}

// commentReplacer neutralizes markdown, HTML, table cells, mentions,
// issue references and autolinks in text that came from users (model
// names, metadata, branch names). A zero-width space breaks "@name",
// "#123" and "://" without changing what people read.
var commentReplacer = strings.NewReplacer(
	"\\", "\\\\", "|", "\\|", "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"*", "\\*", "_", "\\_", "`", "\\`", "[", "\\[", "]", "\\]", "~", "\\~",
	"!", "\\!", "@", "@\u200b", "#", "#\u200b", "://", ":\u200b//", "www.", "www\u200b.",
	"\r", " ", "\n", " ", "\t", " ",
)

// commentText escapes untrusted text for a markdown table cell or line,
// cut to max characters.
func commentText(s string, max int) string {
	return commentReplacer.Replace(cut(s, max))
}

// codeReplacer keeps text inside an inline code span: no backtick can end
// it, no pipe can split a table cell, no newline can end the line.
var codeReplacer = strings.NewReplacer("`", "'", "|", "\\|", "\r", " ", "\n", " ")

func codeText(s string, max int) string { return codeReplacer.Replace(cut(s, max)) }

// mermaidUnsafe matches what may not appear in a mermaid label.
var mermaidUnsafe = regexp.MustCompile(`[^A-Za-z0-9 ._=/+:-]`)

func mermaidText(s string) string { return mermaidUnsafe.ReplaceAllString(cut(s, 80), "_") }

// cut shortens s to max characters with an ellipsis.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// safeURL accepts only an http(s) URL without characters that could leave
// the markdown link.
func safeURL(u string) bool {
	return (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " ()<>\"'`\n\r[]")
}

// truncateMarkdown cuts s to max characters at a line boundary, closing an
// open code block or details section, and says that it did.
func truncateMarkdown(s string, max int) string {
	const note = "\n\n… (truncated to fit GitHub's comment limit: the step summary and the JSON report have everything)\n"
	limit := max - utf8.RuneCountInString(note) - 32
	end, n := len(s), 0
	for i := range s {
		if n == limit {
			end = i
			break
		}
		n++
	}
	if c := strings.LastIndexByte(s[:end], '\n'); c > 0 {
		end = c
	}
	out := s[:end]
	if strings.Count(out, "```")%2 == 1 {
		out += "\n```"
	}
	if strings.Count(out, "<details>") > strings.Count(out, "</details>") {
		out += "\n</details>"
	}
	return out + note
}
