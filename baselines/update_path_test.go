package baselines

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/yologate/yologate/runner/results"
)

// TestUpdatePathFolder seeds a baseline folder that does not exist yet,
// one file per profile, then updates it: a profile's cases go back to the
// file that holds them, whatever its name, and ReadPath reads it all.
func TestUpdatePathFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "perf", "baselines") + "/"
	a10 := testResults("gpu=NVIDIA A10", 100, 5, "x", "y")
	t4 := testResults("gpu=NVIDIA T4", 50, 5, "x")
	both := &results.File{Schema: a10.Schema, Status: a10.Status, Fingerprint: a10.Fingerprint, Cases: append(a10.Cases, t4.Cases...)}
	sum, err := UpdatePath(dir, both, UpdateOptions{Reason: "first baseline"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != 3 {
		t.Errorf("added %v, want 3 cases", sum.Added)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	if want := []string{"gpu-nvidia-a10.yaml", "gpu-nvidia-t4.yaml"}; !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}

	// A team renames a file: the profile's cases still go there.
	if err := os.Rename(filepath.Join(dir, "gpu-nvidia-t4.yaml"), filepath.Join(dir, "t4.yaml")); err != nil {
		t.Fatal(err)
	}
	sum, err = UpdatePath(dir, testResults("gpu=NVIDIA T4", 60, 5, "x"), UpdateOptions{Reason: "faster"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Updated) != 1 || len(sum.Added) != 0 {
		t.Errorf("summary %+v, want one case updated", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "gpu-nvidia-t4.yaml")); err == nil {
		t.Error("a second file was made for a profile the folder already holds")
	}
	f, err := ReadPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Profiles) != 2 {
		t.Errorf("ReadPath: %d profiles, want 2", len(f.Profiles))
	}

	// A glob that selects nothing is the same error as for a file.
	if _, err := UpdatePath(dir, both, UpdateOptions{Cases: "nothing*"}); err == nil {
		t.Error("a glob selecting no case was accepted")
	}
}

// TestUpdatePathNewFolderForFile creates the folders of a new file.
func TestUpdatePathNewFolderForFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "perf", "baselines.yaml")
	if _, err := UpdatePath(file, testResults("cpu=x/threads=1", 10, 5, "x"), UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(file); err != nil {
		t.Fatal(err)
	}
}
