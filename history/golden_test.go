package history

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yologate/yologate/runner/results"
)

var update = flag.Bool("update", false, "rewrite testdata/run.hist")

// The file Save writes for the results in runner/results/testdata, as
// docs/history.md shows it.
func TestGoldenRunFile(t *testing.T) {
	f, err := results.Read("../runner/results/testdata/run.json")
	if err != nil {
		t.Fatal(err)
	}
	run, err := NewRun("run.json", f, Meta{Commit: "0123456789abcdef0123456789abcdef01234567", Ref: "refs/heads/main",
		URL: "https://github.com/acme/detector/actions/runs/12345"})
	if err != nil {
		t.Fatal(err)
	}
	got := encode([]*Run{run}, false)
	if *update {
		if err := os.WriteFile("testdata/run.hist", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/run.hist")
	if err != nil {
		t.Fatalf("%v (run go test ./history -run Golden -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("testdata/run.hist (-want +got):\n%s\nrun go test ./history -run Golden -update if the change is intended", diff)
	}
}
