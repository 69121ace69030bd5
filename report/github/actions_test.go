package github

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/report"
)

func TestFormatAnnotation(t *testing.T) {
	tests := []struct {
		in   report.Annotation
		want string
	}{
		{report.Annotation{Level: report.LevelError, Title: "yologate regression", Message: "fps -12% (p=0.002)"},
			"::error title=yologate regression::fps -12%25 (p=0.002)"},
		// A newline cannot start a second command, and a title cannot end
		// its property list early.
		{report.Annotation{Level: report.LevelWarning, Title: "a: b, c", Message: "x\n::add-mask::secret\r\n::stop-commands::t", File: "base/lines.yaml"},
			"::warning title=a%3A b%2C c,file=base/lines.yaml::x%0A::add-mask::secret%0D%0A::stop-commands::t"},
		{report.Annotation{Level: "debug", Message: "unknown levels are warnings"}, "::warning::unknown levels are warnings"},
	}
	for _, tt := range tests {
		if got := FormatAnnotation(tt.in); got != tt.want {
			t.Errorf("FormatAnnotation(%+v)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if strings.Contains(FormatAnnotation(tt.in), "\n") {
			t.Errorf("annotation spans lines")
		}
	}
}

func TestSetOutputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	a := &Actions{Stdout: &bytes.Buffer{}, OutputPath: path}
	value := "line one\nghadelimiter_fake\nverdict<<EOF\nline four"
	if err := a.SetOutputs(Output{"verdict", "regression"}, Output{"text", value}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(string(data), "\n")
	got := map[string]string{}
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		got[name] = strings.Join(val, "\n")
	}
	if got["verdict"] != "regression" || got["text"] != value || len(got) != 2 {
		t.Errorf("outputs read back as %q", got)
	}
	if err := a.SetOutputs(Output{"bad\nname", "x"}); err == nil {
		t.Errorf("a name with a newline was accepted")
	}
}
