package history

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: any input parses without panicking, and what parses without a
// warning encodes to a file that parses to the same runs.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.hist")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	r := rand.New(rand.NewPCG(13, 14))
	run := synthRun(r, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 2, 3, 100)
	f.Add(encode([]*Run{run}, false))
	f.Add(encode([]*Run{run}, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		runs, warns := Parse("f.hist", data)
		if len(warns) > 0 || len(runs) == 0 {
			return
		}
		summarized := runs[0].Summarized
		for _, r := range runs {
			if r.Summarized != summarized {
				return // a mixed file is not one encode writes
			}
		}
		again, warns := Parse("g.hist", encode(runs, false))
		if len(warns) > 0 {
			t.Fatalf("re-encoded file has warnings: %v", warns)
		}
		if diff := cmp.Diff(runs, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
