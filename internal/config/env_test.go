package config

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
)

// TestApplyEnv: YOLOGATE_FLAGS sets the flags a command has and the
// command line left alone; a bad one is named with the variable.
func TestApplyEnv(t *testing.T) {
	tests := []struct {
		env, args string
		want      string // count, benchtime, confirm after parsing
		err       string
	}{
		{"--count=3 --benchtime=5x", "", "3 5x false", ""},
		{"--count=3 --confirm", "--count 7", "7 1s true", ""},
		{"--unknown=1 -count=4", "", "4 1s false", ""},
		{"--count=ten", "", "", `YOLOGATE_FLAGS: --count: "ten" is not a whole number (write a repeat count of 1 or more, such as 10)`},
		{"count=3", "", "", `YOLOGATE_FLAGS: "count=3" is not a flag (write flags as "--name=value", separated by spaces)`},
		{"--benchtime", "", "", "YOLOGATE_FLAGS: --benchtime has no value (write --benchtime=VALUE)"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			fs := flag.NewFlagSet("run", flag.ContinueOnError)
			count := fs.Int("count", 10, "")
			benchtime := fs.String("benchtime", "1s", "")
			confirm := fs.Bool("confirm", false, "")
			if err := fs.Parse(strings.Fields(tt.args)); err != nil {
				t.Fatal(err)
			}
			err := ApplyEnv(fs, tt.env)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || errs.KindOf(err) != errs.Usage {
					t.Errorf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%d %s %v", *count, *benchtime, *confirm); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
