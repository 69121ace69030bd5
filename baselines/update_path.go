package baselines

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// UpdatePath is Update for a baseline file or folder. A folder (one that
// exists, or a path ending in a slash) keeps one file per hardware profile,
// as ReadPath reads them: each profile's cases go to the folder's file
// that already holds that profile, else to a new PROFILE.yaml (the
// profile's name made a file name, "gpu-nvidia-a10.yaml"). Missing folders
// are created, so a repository's first baseline needs no preparation.
func UpdatePath(path string, res *results.File, opt UpdateOptions) (*UpdateSummary, error) {
	st, err := os.Stat(path)
	folder := (err == nil && st.IsDir()) || strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator))
	if !folder {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot create the baseline's folder: " + err.Error(), Fix: "pass a --baseline path in a writable folder"}
		}
		return Update(path, res, opt)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, &errs.Error{Kind: errs.Env, Where: path, Msg: "cannot create the baseline folder: " + err.Error(), Fix: "pass a --baseline folder that can be created"}
	}
	var profiles []string
	byProfile := map[string][]results.Case{}
	for _, c := range res.Cases {
		if _, ok := byProfile[c.Profile]; !ok {
			profiles = append(profiles, c.Profile)
		}
		byProfile[c.Profile] = append(byProfile[c.Profile], c)
	}
	total := &UpdateSummary{}
	for _, p := range profiles {
		if !anyMatch(byProfile[p], opt.Cases) {
			continue
		}
		file, err := profileFile(path, p)
		if err != nil {
			return total, err
		}
		part := *res
		part.Cases = byProfile[p]
		sum, err := Update(file, &part, opt)
		if err != nil {
			return total, err
		}
		total.Updated = append(total.Updated, sum.Updated...)
		total.Added = append(total.Added, sum.Added...)
	}
	if len(total.Updated)+len(total.Added) == 0 {
		// Nothing selected: the same error a file would give.
		if _, err := selectCases(res, opt); err != nil {
			return nil, err
		}
	}
	return total, nil
}

// anyMatch reports whether glob ("" for all) selects one of cases.
func anyMatch(cases []results.Case, glob string) bool {
	for _, c := range cases {
		if glob == "" {
			return true
		}
		if ok, _ := MatchCase(glob, c.ID); ok {
			return true
		}
	}
	return false
}

// profileFile is the file of folder dir that holds profile, or the new
// file for it.
func profileFile(dir, profile string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", &errs.Error{Kind: errs.Env, Where: dir, Msg: "cannot list baseline folder: " + err.Error()}
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !isBaselineName(name) {
			continue
		}
		file := filepath.Join(dir, name)
		f, err := Read(file)
		if err != nil {
			return "", err
		}
		for _, p := range f.Profiles {
			if p.Name == profile {
				return file, nil
			}
		}
	}
	return filepath.Join(dir, profileSlug(profile)+".yaml"), nil
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// profileSlug makes a profile name a file name: "gpu=NVIDIA A10" → "gpu-nvidia-a10".
func profileSlug(profile string) string {
	s := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(profile), "-"), "-")
	if s == "" {
		return "baseline"
	}
	return s
}
