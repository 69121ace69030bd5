package workflow

import (
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestDocListsSubpackages keeps the package doc true: every package below
// workflow/ is named in it.
func TestDocListsSubpackages(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "workflow.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && e.Name() != "testdata" {
			if !strings.Contains(doc, "  - "+e.Name()+" ") {
				t.Errorf("the package doc does not list workflow/%s", e.Name())
			}
		}
	}
}
