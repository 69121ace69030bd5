package config

import (
	"os"
	"regexp"
	"testing"
)

// TestDocExample parses the example in docs/config.md, so the manual cannot
// drift from the parser.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/config.md has no yaml example")
	}
	for _, b := range blocks {
		cfg, err := Parse("docs/config.md", b[1])
		if err != nil {
			t.Fatalf("the documented example does not parse: %v", err)
		}
		if len(cfg.Cases) != 2 || cfg.Settings["check-images"].Text != "perf/images" {
			t.Errorf("parsed %d cases, settings %v", len(cfg.Cases), cfg.Settings)
		}
	}
}
