package errs

import (
	"fmt"
	"strings"
	"testing"
)

func TestWriteList(t *testing.T) {
	two := List{At("b.yaml", 3, 5, "", "bad fps"), At("b.yaml", 9, 1, "", "unknown key")}
	var b strings.Builder
	WriteList(&b, "yologate: ", fmt.Errorf("reading: %w", two))
	if want := "yologate: b.yaml:3:5: bad fps\nyologate: b.yaml:9:1: unknown key\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	// One problem, or another error, is printed once by the caller.
	b.Reset()
	WriteList(&b, "yologate: ", two[:1])
	WriteList(&b, "yologate: ", Usagef("--count", "", "bad"))
	WriteList(&b, "yologate: ", nil)
	if b.Len() != 0 {
		t.Errorf("printed %q, want nothing", b.String())
	}
}
