package history

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/yologate/yologate/baselines"
	"github.com/yologate/yologate/changepoint"
	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/errs"
	"github.com/yologate/yologate/runner/results"
)

// Run is one run of main: where it came from and what it measured of each
// case.
type Run struct {
	// ID names the run's file: the date, the commit and a hash of the
	// content ("20261204T185215Z-0123456789ab-1a2b3c4d"), unique per run
	// and the same when one run is recorded twice.
	ID     string
	Commit string
	// Date is when the run finished, in UTC.
	Date time.Time
	Ref  string
	URL  string
	// Summarized is set for a run read from a compacted month: each metric
	// then holds one value, the run's median.
	Summarized bool
	Records    []Record
}

// Record is what one run measured of one case.
type Record struct {
	Profile string
	Case    string
	// Env is the environment the case ran in (see EnvKey).
	Env baselines.Environment
	// Model is the model's sha256.
	Model string
	// N is the number of repeats.
	N int
	// Samples holds the per-repeat values of each gated metric measured;
	// in a summarized run, one value per metric: the median of N repeats.
	Samples baselines.Samples
	Marks   []string
	// GPU is the median GPU state over the repeats; nil without telemetry.
	GPU *baselines.GPUState
}

// Median returns the run's median of metric m; false when m was not
// measured.
func (r *Record) Median(m compare.Metric) (float64, bool) {
	v := Values(&r.Samples, m)
	if len(v) == 0 {
		return 0, false
	}
	return changepoint.Median(v), true
}

// Values returns the field of s that holds metric m; nil for an unknown
// metric.
func Values(s *baselines.Samples, m compare.Metric) []float64 {
	if p := valuesPtr(s, m); p != nil {
		return *p
	}
	return nil
}

func valuesPtr(s *baselines.Samples, m compare.Metric) *[]float64 {
	switch m {
	case compare.FPS:
		return &s.FPS
	case compare.P50MS:
		return &s.P50MS
	case compare.P99MS:
		return &s.P99MS
	}
	return nil
}

// EnvKey is the environment's comparable fields in one canonical string:
// two records compare when their profile, case and EnvKey agree. The
// informational fields (OS, kernel, yologate version, container image)
// are left out, as in the comparison of a baseline.
func EnvKey(e baselines.Environment) string {
	var b strings.Builder
	b.Grow(160)
	add := func(k, v string) {
		if v != "" {
			// Plain appends: a store's index computes this for every record.
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
			b.WriteByte(';')
		}
	}
	if e.GPUModel == "" {
		add("cpu", e.CPUModel)
	}
	add("gpu", e.GPUModel)
	add("driver", e.Driver)
	add("cuda", e.CUDADriver)
	add("ort", e.ORTVersion)
	add("trt", e.TensorRTVersion)
	add("provider", e.Provider)
	add("precision", e.Precision)
	if e.Threads != 0 {
		add("threads", strconv.Itoa(e.Threads))
	}
	keys := make([]string, 0, len(e.ProviderOptions))
	for k := range e.ProviderOptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("option."+k, e.ProviderOptions[k])
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Meta is where a run came from. A zero field is taken from the results
// file's fingerprint (its CI commit, ref and run URL, its finish time).
type Meta struct {
	Commit string
	Date   time.Time
	Ref    string
	URL    string
}

// NewRun builds the run record of a results file. It refuses an
// incomplete results file and one without a commit, naming the flag that
// supplies it.
func NewRun(name string, f *results.File, meta Meta) (*Run, error) {
	if f.Status != results.StatusComplete {
		return nil, &errs.Error{Kind: errs.Input, Where: name, Msg: fmt.Sprintf("results are %q, not complete", f.Status),
			Fix: "record only a run that finished"}
	}
	if ci := f.Fingerprint.CI; ci != nil {
		meta.Commit = first(meta.Commit, ci.Commit)
		meta.Ref = first(meta.Ref, ci.Ref)
		meta.URL = first(meta.URL, ci.RunURL)
	}
	if meta.Date.IsZero() {
		meta.Date = f.Finished
	}
	if meta.Commit == "" {
		return nil, &errs.Error{Kind: errs.Usage, Where: "--commit", Msg: fmt.Sprintf("%s names no commit", name),
			Fix: "pass --commit SHA"}
	}
	if meta.Date.IsZero() {
		return nil, &errs.Error{Kind: errs.Usage, Where: "--date", Msg: fmt.Sprintf("%s has no finish time", name),
			Fix: "pass --date 2006-01-02T15:04:05Z"}
	}
	r := &Run{Commit: clean(meta.Commit), Date: meta.Date.UTC().Truncate(time.Second), Ref: clean(meta.Ref), URL: clean(meta.URL)}
	for _, c := range f.Cases {
		s := baselines.SamplesOf(c)
		rec := Record{Profile: clean(c.Profile), Case: clean(c.ID), Env: compare.EnvironmentOf(f.Fingerprint, c),
			Model: clean(c.Model.SHA256), N: len(c.Repeats), Samples: s,
			Marks: compare.MarksOf(c), GPU: compare.GPUStateOf(c)}
		r.Records = append(r.Records, rec)
	}
	r.ID = runID(r)
	return r, nil
}

// runID derives a run's ID from its date, commit and content.
func runID(r *Run) string {
	saved := r.ID
	r.ID = ""
	sum := sha256.Sum256(encode([]*Run{r}, false))
	r.ID = saved
	// Only letters and digits of the commit reach the file name.
	c := strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, r.Commit)
	if len(c) > 12 {
		c = c[:12]
	}
	return r.Date.Format("20060102T150405Z") + "-" + c + "-" + hex.EncodeToString(sum[:4])
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
