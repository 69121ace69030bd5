package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yologate/yologate/internal/errs"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		path    string
		perm    os.FileMode
		wantErr string
	}{
		{"new file", filepath.Join(dir, "a.json"), 0, ""},
		{"replaces", filepath.Join(dir, "a.json"), 0o600, ""},
		{"missing folder", filepath.Join(dir, "no", "a.json"), 0, "no such file or directory"},
		{"a folder", dir, 0, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(tt.path, []byte("data "+tt.name), tt.perm)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errs.KindOf(err) != errs.Env {
					t.Fatalf("err = %v, want an environment error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(tt.path)
			if err != nil || string(got) != "data "+tt.name {
				t.Errorf("read %q, %v", got, err)
			}
			st, _ := os.Stat(tt.path)
			want := tt.perm
			if want == 0 {
				want = 0o644
			}
			if st.Mode().Perm() != want {
				t.Errorf("mode %v, want %v", st.Mode().Perm(), want)
			}
		})
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
