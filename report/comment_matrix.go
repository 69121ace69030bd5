package report

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/internal/stat"
	"github.com/yologate/yologate/runner/results"
)

// GateSchema is the version tag of the JSON report `yologate gate --report`
// writes and `yologate merge` reads.
const GateSchema = "yologate/gate/v1"

// GateReport is one gate's outcome as JSON: what merge needs to combine
// the runners of a matrix into one comment.
type GateReport struct {
	Schema string `json:"schema"`
	// Key is the gate key (workflow/job/matrix entry).
	Key      string          `json:"key"`
	Verdict  compare.Verdict `json:"verdict"`
	Fail     bool            `json:"fail"`
	Headline string          `json:"headline"`
	RunURL   string          `json:"run_url,omitempty"`
	// Cases are this run's cases with their median FPS.
	Cases []MatrixEntry `json:"cases"`
	// Report is the full comparison.
	Report *compare.Report `json:"report"`
}

// MatrixEntry is one case of one runner: where it ran, what, how fast.
type MatrixEntry struct {
	Profile string `json:"profile"`
	Model   string `json:"model"`
	CaseID  string `json:"case_id"`
	// FPS is the median frames per second over the repeats.
	FPS float64 `json:"fps"`
	// Verdict is the case's verdict; empty when the entry came from
	// results without a comparison.
	Verdict compare.Verdict `json:"verdict,omitempty"`
}

// EntriesFromResults lists the complete cases of a results file.
func EntriesFromResults(f *results.File) []MatrixEntry {
	var out []MatrixEntry
	for _, c := range f.Cases {
		fps := make([]float64, 0, len(c.Repeats))
		for _, r := range c.Repeats {
			fps = append(fps, r.FPS)
		}
		if len(fps) == 0 {
			continue
		}
		out = append(out, MatrixEntry{Profile: c.Profile, Model: c.Model.Name, CaseID: c.ID, FPS: stat.Median(fps)})
	}
	return out
}

// NewGateReport builds the JSON report of a gate.
func NewGateReport(key, runURL string, cur *results.File, r *compare.Report) *GateReport {
	g := &GateReport{Schema: GateSchema, Key: key, Verdict: r.Verdict, Fail: r.Fail, Headline: PlainHeadline(r), RunURL: runURL, Report: r}
	verdicts := map[string]compare.Verdict{}
	for _, c := range r.Cases {
		verdicts[c.Profile+"\x00"+c.ID] = c.Verdict
	}
	if cur != nil {
		for _, e := range EntriesFromResults(cur) {
			e.Verdict = verdicts[e.Profile+"\x00"+e.CaseID]
			g.Cases = append(g.Cases, e)
		}
	}
	return g
}

// ReadMergeInput reads a gate report or a results file, told apart by
// their schema tag.
func ReadMergeInput(path string) (*GateReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Inputf(path, "pass the results or gate report each runner uploaded", "cannot read: %v", err)
	}
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, errs.Inputf(path, "pass a results JSON or a gate report JSON", "not JSON: %v", err)
	}
	switch head.Schema {
	case GateSchema:
		var g GateReport
		if err := json.Unmarshal(data, &g); err != nil {
			return nil, errs.Inputf(path, "pass the file yologate gate --report wrote", "malformed gate report: %v", err)
		}
		return &g, nil
	case results.Schema:
		f, err := results.Read(path)
		if err != nil {
			return nil, err
		}
		if f.Status != results.StatusComplete {
			return nil, errs.Inputf(path, "rerun that runner to completion", "results are %s", f.Status)
		}
		return &GateReport{Schema: GateSchema, Cases: EntriesFromResults(f)}, nil
	}
	return nil, errs.Inputf(path, "pass a file with schema "+GateSchema+" or "+results.Schema, "unknown schema %q", head.Schema)
}

// MatrixInput is what the merged comment of a GPU matrix is drawn from.
type MatrixInput struct {
	Gates []*GateReport
	// TargetFPS is the frame rate each case must reach; 0 shows no target.
	TargetFPS float64
}

// MatrixMarkdown renders the hardware table (hardware profile × model:
// median FPS, and whether it meets the target) and each runner's verdict,
// within MaxCommentChars.
func MatrixMarkdown(in MatrixInput) string {
	s := renderMatrix(in)
	if len([]rune(s)) > MaxCommentChars {
		s = truncateMarkdown(s, MaxCommentChars)
	}
	return s
}

// MatrixFails reports whether a merged matrix fails: a runner's gate
// failed, or a case misses the target.
func MatrixFails(in MatrixInput) bool {
	for _, g := range in.Gates {
		if g.Fail {
			return true
		}
		for _, e := range g.Cases {
			if in.TargetFPS > 0 && e.FPS < in.TargetFPS {
				return true
			}
		}
	}
	return false
}

func renderMatrix(in MatrixInput) string {
	var profiles, models []string
	cells := map[[2]string][]MatrixEntry{}
	seenP, seenM := map[string]bool{}, map[string]bool{}
	worst, misses, total := compare.Unchanged, 0, 0
	for _, g := range in.Gates {
		worst = compare.Worst(worst, g.Verdict)
		for _, e := range g.Cases {
			if !seenP[e.Profile] {
				seenP[e.Profile] = true
				profiles = append(profiles, e.Profile)
			}
			if !seenM[e.Model] {
				seenM[e.Model] = true
				models = append(models, e.Model)
			}
			k := [2]string{e.Profile, e.Model}
			cells[k] = append(cells[k], e)
			total++
			if in.TargetFPS > 0 && e.FPS < in.TargetFPS {
				misses++
			}
		}
	}
	sort.Strings(profiles)
	var b strings.Builder
	head := fmt.Sprintf("%s yologate matrix: %d %s on %d hardware %s", emoji(worst), total, plural(total, "case"), len(profiles), plural(len(profiles), "profile"))
	if in.TargetFPS > 0 {
		if misses == 0 {
			head += fmt.Sprintf(", all meet %s FPS", cmpValue(in.TargetFPS))
		} else {
			head = fmt.Sprintf("❌ yologate matrix: %d of %d %s below %s FPS", misses, total, plural(total, "case"), cmpValue(in.TargetFPS))
		}
	}
	fmt.Fprintf(&b, "### %s\n\n", head)
	if len(profiles) > 0 {
		b.WriteString("| hardware |")
		sep := "|---|"
		for _, m := range models {
			fmt.Fprintf(&b, " %s |", commentText(m, 60))
			sep += "--:|"
		}
		b.WriteString("\n" + sep + "\n")
		for _, p := range profiles {
			fmt.Fprintf(&b, "| %s |", commentText(strings.TrimPrefix(p, "gpu="), 120))
			for _, m := range models {
				var parts []string
				for _, e := range cells[[2]string{p, m}] {
					parts = append(parts, matrixCell(e, in.TargetFPS, len(cells[[2]string{p, m}]) > 1))
				}
				if len(parts) == 0 {
					parts = []string{"—"}
				}
				fmt.Fprintf(&b, " %s |", strings.Join(parts, "<br>"))
			}
			b.WriteString("\n")
		}
		if in.TargetFPS > 0 {
			fmt.Fprintf(&b, "\nMedian FPS per case; target %s FPS: ✅ meets it, ❌ does not.\n", cmpValue(in.TargetFPS))
		} else {
			b.WriteString("\nMedian FPS per case (no --target-fps given).\n")
		}
	}
	var runners []*GateReport
	for _, g := range in.Gates {
		if g.Key != "" || g.Report != nil {
			runners = append(runners, g)
		}
	}
	if len(runners) > 0 {
		b.WriteString("\n| runner | verdict |\n|---|---|\n")
		for _, g := range runners {
			name := "`" + codeText(orDash(g.Key), 200) + "`"
			if safeURL(g.RunURL) {
				name = fmt.Sprintf("[%s](%s)", name, g.RunURL)
			}
			fmt.Fprintf(&b, "| %s | %s |\n", name, commentText(g.Headline, 300))
		}
	}
	return b.String()
}

// matrixCell formats one case: median FPS, whether it meets the target,
// and its verdict when it was compared.
func matrixCell(e MatrixEntry, target float64, qualify bool) string {
	s := cmpValue(e.FPS)
	if target > 0 {
		if e.FPS >= target {
			s += " ✅ yes"
		} else {
			s += " ❌ no"
		}
	}
	if e.Verdict != "" && e.Verdict != compare.Unchanged {
		s += " (" + string(e.Verdict) + ")"
	}
	if qualify {
		// Several cases of one model on one machine: name the rest of the id.
		rest := e.CaseID
		if i := strings.Index(rest, "/"); i >= 0 {
			rest = rest[i+1:]
		}
		s = "`" + codeText(rest, 80) + "` " + s
	}
	return s
}
