package report

import (
	"strings"

	"github.com/yologate/yologate/compare"
)

// idParts splits a case id into its "key=value" parts
// ("model=yolov8n/imgsz=640" → "model=yolov8n", "imgsz=640"). A segment
// without "=" belongs to the part before it.
func idParts(id string) []string {
	var parts []string
	for _, s := range strings.Split(id, "/") {
		if len(parts) > 0 && !strings.Contains(s, "=") {
			parts[len(parts)-1] += "/" + s
			continue
		}
		parts = append(parts, s)
	}
	return parts
}

// caseNames is how a comment names its cases: what every case shares is
// said once above the table, and each case is named by the rest of its id,
// short enough for a table column.
type caseNames struct {
	// profile is the hardware profile of every case; "" when they differ.
	profile string
	// shared are the id parts every case has, in id order.
	shared []string
	// rest maps a case id to its parts that not every case shares.
	rest map[string][]string
}

func nameCases(cases []compare.CaseResult) caseNames {
	n := caseNames{rest: map[string][]string{}}
	if len(cases) == 0 {
		return n
	}
	n.profile = cases[0].Profile
	count := map[string]int{}
	ids := map[string]bool{}
	for _, c := range cases {
		if c.Profile != n.profile {
			n.profile = ""
		}
		if ids[c.ID] {
			continue
		}
		ids[c.ID] = true
		seen := map[string]bool{}
		for _, p := range idParts(c.ID) {
			if !seen[p] {
				seen[p] = true
				count[p]++
			}
		}
	}
	first := idParts(cases[0].ID)
	for _, p := range first {
		if count[p] == len(ids) {
			n.shared = append(n.shared, p)
		}
	}
	for {
		isShared := map[string]bool{}
		for _, p := range n.shared {
			isShared[p] = true
		}
		empty := false
		for id := range ids {
			n.rest[id] = nil
			for _, p := range idParts(id) {
				if !isShared[p] {
					n.rest[id] = append(n.rest[id], p)
				}
			}
			empty = empty || len(n.rest[id]) == 0
		}
		if !empty || len(n.shared) == 0 {
			return n
		}
		// A case with nothing of its own keeps its first part (the model)
		// in the table, and so does every case.
		n.shared = n.shared[1:]
	}
}

// short is the case's name without the shared parts, as plain text.
func (n caseNames) short(id string) string {
	if r, ok := n.rest[id]; ok {
		return strings.Join(r, " ")
	}
	return id
}

// cell is the case's name for a table cell: one code span per part, so
// that a long name wraps between parts.
func (n caseNames) cell(id string) string {
	r, ok := n.rest[id]
	if !ok {
		r = idParts(id)
	}
	out := make([]string, len(r))
	for i, p := range r {
		out[i] = "`" + codeText(p, 120) + "`"
	}
	return strings.Join(out, " ")
}

// intro is the line above the table that says what every case shares;
// empty when nothing is.
func (n caseNames) intro() string {
	var s string
	if n.profile != "" {
		s = " on `" + codeText(n.profile, 120) + "`"
	}
	if len(n.shared) > 0 {
		parts := make([]string, len(n.shared))
		for i, p := range n.shared {
			parts[i] = "`" + codeText(p, 120) + "`"
		}
		s += " with " + strings.Join(parts, " ")
	}
	if s == "" {
		return ""
	}
	return "Run" + s + "."
}
