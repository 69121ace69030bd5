package compare

import (
	"github.com/yologate/yologate/compare/accuracy"
	"github.com/yologate/yologate/runner/results"
)

// Metric names a gated metric. Its value is also its key in baseline files
// and JSON reports.
type Metric string

// The gated metrics. Samples are per-repeat values.
const (
	// FPS is frames per second of a repeat; higher is better.
	FPS Metric = "fps"
	// P50MS is a repeat's median latency in milliseconds; lower is better.
	P50MS Metric = "p50_ms"
	// P99MS is a repeat's 99th-percentile latency in milliseconds; lower is better.
	P99MS Metric = "p99_ms"
)

// Metrics lists every gated metric in display order.
var Metrics = []Metric{FPS, P50MS, P99MS}

// HigherIsBetter reports whether an increase of m is an improvement.
func (m Metric) HigherIsBetter() bool { return m == FPS }

// Label is m's short human name for tables ("fps", "p50 ms").
func (m Metric) Label() string {
	switch m {
	case P50MS:
		return "p50 ms"
	case P99MS:
		return "p99 ms"
	}
	return string(m)
}

// Verdict is the outcome of one metric, one case or a whole comparison.
type Verdict string

// Verdicts, from the best to the worst (see Severity).
const (
	// Unchanged: not significant, or significant but within the threshold.
	Unchanged Verdict = "unchanged"
	// Improvement: significant and beyond the threshold in the good direction.
	Improvement Verdict = "improvement"
	// New: the case has no baseline.
	New Verdict = "new"
	// Missing: a baseline case of a measured profile did not run.
	Missing Verdict = "missing"
	// Inconclusive: the data cannot decide; Reason says why and what to do.
	Inconclusive Verdict = "inconclusive"
	// Regression: significant and beyond the threshold in the bad direction.
	Regression Verdict = "regression"
	// AccuracyRegression: the model's detections got worse than the
	// baseline's, whatever its speed.
	AccuracyRegression Verdict = "accuracy-regression"
)

// Severity orders verdicts: the overall verdict is the one with the highest
// severity. Unknown verdicts rank with Inconclusive.
func (v Verdict) Severity() int {
	switch v {
	case Unchanged, "":
		return 0
	case Improvement:
		return 1
	case New:
		return 2
	case Missing:
		return 3
	case Inconclusive:
		return 4
	case Regression:
		return 5
	case AccuracyRegression:
		return 6
	}
	return 4
}

// Symbol is v as the comparison table prints it: "~" for Unchanged, the
// verdict's name otherwise.
func (v Verdict) Symbol() string {
	if v == Unchanged {
		return "~"
	}
	return string(v)
}

// Fails reports whether v fails the gate under opt.
func (v Verdict) Fails(opt Options) bool {
	switch v {
	case Regression, AccuracyRegression:
		return true
	case Inconclusive:
		return opt.FailOnInconclusive
	case New:
		return opt.RequireBaseline
	}
	return false
}

// Worst returns the verdict of highest severity; Unchanged for none.
func Worst(vs ...Verdict) Verdict {
	w := Unchanged
	for _, v := range vs {
		if v.Severity() > w.Severity() {
			w = v
		}
	}
	return w
}

// Options configures a comparison. The zero value of a field takes its
// default, except Threshold, where zero means "any significant change";
// start from DefaultOptions.
type Options struct {
	// Alpha is the significance level in (0,1), applied after Holm
	// correction across every test of one comparison; 0 means 0.05.
	Alpha float64 `json:"alpha"`
	// Threshold is the smallest relative change of a median that counts,
	// as a fraction (0.05 = 5%), ≥ 0. A baseline case may override it.
	Threshold float64 `json:"threshold"`
	// Confidence is the level of the medians' confidence intervals in
	// (0,1); 0 means 0.95.
	Confidence float64 `json:"confidence"`
	// FailOnInconclusive makes an inconclusive verdict fail the gate.
	FailOnInconclusive bool `json:"fail_on_inconclusive"`
	// RequireBaseline makes a new case (one without a baseline for its
	// profile) fail the gate, so that a runner whose profile the baseline
	// lacks cannot pass on cases it never compared.
	RequireBaseline bool `json:"require_baseline,omitempty"`
	// Metrics lists the gated metrics; nil means all of Metrics. A metric
	// measured on only one side is skipped, not failed.
	Metrics []Metric `json:"metrics,omitempty"`
	// MaxRepeats caps the repeat count that an inconclusive verdict may
	// suggest; 0 means 100.
	MaxRepeats int `json:"max_repeats,omitempty"`
	// Paired compares repeat i of both sides as a pair measured back to
	// back, the order alternating A B, B A, ... (as an interleaved A/B
	// run measures them): the test then sees the change with the machine's drift
	// removed. Metrics whose sides differ in count are compared unpaired.
	Paired bool `json:"paired,omitempty"`
	// Accuracy holds the limits of the accuracy check; zero fields take
	// accuracy.Options' defaults.
	Accuracy accuracy.Options `json:"-"`
}

// DefaultOptions returns alpha 0.05, threshold 5%, 95% confidence
// intervals and every metric gated.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, Threshold: 0.05, Confidence: 0.95}
}

// Report is the result of one comparison: a verdict per case and overall.
type Report struct {
	// Options are the settings used, with defaults filled in.
	Options Options `json:"options"`
	// Verdict is the worst case verdict; Unchanged when there are no cases.
	Verdict Verdict `json:"verdict"`
	// Fail reports whether Verdict fails the gate under Options.
	Fail bool `json:"fail"`
	// Tests is the number of statistical tests in the Holm family.
	Tests int `json:"tests"`
	// Cases holds one result per case, in the order of the current run,
	// then the missing ones in baseline order.
	Cases []CaseResult `json:"cases"`
	// Notes are comparison-wide remarks, such as a profile that has no
	// baseline at all.
	Notes []string `json:"notes,omitempty"`
	// Replaced pairs a missing case with a new case of the same model on
	// the same profile: a model replaced under another case id (another
	// precision, size or batch at the same path), which nothing compares.
	Replaced []Replacement `json:"replaced,omitempty"`
}

// Replacement is a baseline case that did not run beside a new case of the
// same model and profile.
type Replacement struct {
	Profile string `json:"profile"`
	Missing string `json:"missing"`
	New     string `json:"new"`
}

// CaseResult is the comparison of one case.
type CaseResult struct {
	ID      string `json:"id"`
	Profile string `json:"profile"`
	// Verdict is the worst of the metric verdicts and the accuracy
	// verdict, or the case-level verdict (new, missing, inconclusive).
	Verdict Verdict `json:"verdict"`
	// Reason explains a new, missing or inconclusive verdict in one line.
	Reason string `json:"reason,omitempty"`
	// Remedy names what would settle the verdict, for the report to word
	// in its reader's terms; "" when Reason says all there is.
	Remedy Remedy `json:"remedy,omitempty"`
	// NeedRepeats is the repeat count per side of the MoreRepeats remedy.
	NeedRepeats int `json:"need_repeats,omitempty"`
	// Threshold is the threshold applied to this case, as a fraction:
	// Options.Threshold unless the baseline case sets its own.
	Threshold float64 `json:"threshold"`
	// Metrics holds one result per gated metric measured on both sides.
	Metrics []MetricResult `json:"metrics,omitempty"`
	// ModelChanged is set when the model's sha256 differs from the
	// baseline's: the comparison is still made, this only says so.
	ModelChanged *ModelChange `json:"model_changed,omitempty"`
	// EnvDiff lists the environment fields that differ from the baseline's;
	// any entry makes the case inconclusive.
	EnvDiff []EnvDiff `json:"env_diff,omitempty"`
	// Marks lists the conditions that made a measurement suspect (those of
	// the old side prefixed "old: "), less the kinds the baseline accepted;
	// any makes the case inconclusive.
	Marks []string `json:"marks,omitempty"`
	// Accuracy is the accuracy check's verdict; nil when none was made.
	Accuracy *AccuracyVerdict `json:"accuracy,omitempty"`
	// GPUChanges says what changed on the GPU since the baseline (clocks,
	// power limit, utilization; GPUChanges), to explain a change of speed.
	// It never changes the verdict.
	GPUChanges []string `json:"gpu_changes,omitempty"`
	// HistoryNote says whether the verdict used main's run-to-run spread
	// ("run-to-run spread from 20 runs of main") or not (NoHistoryNote);
	// empty for a comparison without history (Compare).
	HistoryNote string `json:"history_note,omitempty"`
	// Drift is the case's drift against a pinned reference over main's
	// history; nil without a drift budget (SetDrift).
	Drift *DriftCheck `json:"drift,omitempty"`
}

// MetricResult compares one metric of one case.
type MetricResult struct {
	Metric Metric `json:"metric"`
	// Old and New summarize the baseline and current samples.
	Old Summary `json:"old"`
	New Summary `json:"new"`
	// DeltaPct is (new − old) / old of the medians, in percent; in paired
	// mode, the change estimated from the pair ratios.
	DeltaPct float64 `json:"delta_pct"`
	// Paired reports that the test compared pair ratios (Options.Paired).
	Paired bool `json:"paired,omitempty"`
	// P is the Mann-Whitney U test's p-value; PHolm is P after Holm
	// correction across the comparison's Tests, compared with Alpha.
	P     float64 `json:"p"`
	PHolm float64 `json:"p_holm"`
	// Significant reports PHolm ≤ alpha.
	Significant bool `json:"significant"`
	// Measured is what the numbers alone say, before case-level reasons
	// (environment, marks) are applied.
	Measured Verdict `json:"measured"`
	// Verdict is the metric's verdict.
	Verdict Verdict `json:"verdict"`
	// Reason explains an inconclusive verdict.
	Reason string `json:"reason,omitempty"`
	// NeedRepeats is the repeat count per side that would likely settle
	// an inconclusive verdict; 0 when not applicable, −1 when more than
	// Options.MaxRepeats. A positive count is the MoreRepeats remedy.
	NeedRepeats int `json:"need_repeats,omitempty"`
	// Warnings are the statistics library's remarks about the samples.
	Warnings []string `json:"warnings,omitempty"`
	// History is set when the verdict placed the new median among main's
	// run medians (CompareHistory); P is then that test's p-value.
	History *HistoryCheck `json:"history,omitempty"`
}

// Summary is the center of one side's samples with its confidence interval.
type Summary struct {
	// N is the number of samples.
	N int `json:"n"`
	// Median is the sample median; Lo and Hi bound its confidence interval
	// (±Inf with too few samples; JSON writes them as null).
	Median float64 `json:"median"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	// Confidence is the interval's actual confidence level in (0,1].
	Confidence float64 `json:"confidence"`
	// Values are the raw samples in measurement order.
	Values []float64 `json:"values"`
}

// ModelChange records the models of a case whose model file changed.
type ModelChange struct {
	OldName   string `json:"old_name,omitempty"`
	NewName   string `json:"new_name,omitempty"`
	OldSHA256 string `json:"old_sha256"`
	NewSHA256 string `json:"new_sha256"`
}

// EnvDiff is one environment field that differs between the baseline and
// the current measurement.
type EnvDiff struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// AccuracyVerdict is the verdict of an accuracy check of one case against
// the baseline's reference detections.
type AccuracyVerdict struct {
	// Verdict is Unchanged, AccuracyRegression or Inconclusive.
	Verdict Verdict `json:"verdict"`
	// Reason explains the verdict in one line.
	Reason string `json:"reason,omitempty"`
	// Remedy names what would let the check decide; "" for none.
	Remedy Remedy `json:"remedy,omitempty"`
	// Scores holds the check's figures by name (e.g. "map50": 0.91).
	Scores map[string]float64 `json:"scores,omitempty"`
	// SettingsDiff lists the check's settings ("check-conf", "check-iou")
	// that differ from those the baseline's detections were recorded with:
	// the detections then differ by construction, so the check is
	// inconclusive, never an accuracy regression.
	SettingsDiff []EnvDiff `json:"settings_diff,omitempty"`
}

// Remedy names what would settle or complete a verdict. The comparison
// only states it; the report words it in its reader's terms (the command
// or flag to use).
type Remedy string

// The remedies.
const (
	// RecordBaseline: the case has no stored baseline yet.
	RecordBaseline Remedy = "record_baseline"
	// RecordDetections: the baseline holds no reference detections to
	// check accuracy against.
	RecordDetections Remedy = "record_detections"
	// CheckImages: the baseline holds reference detections that this run
	// did not check.
	CheckImages Remedy = "check_images"
	// MoreRepeats: NeedRepeats repeats per side would likely settle the
	// verdict.
	MoreRepeats Remedy = "more_repeats"
)

// Model identifies the model of a measured case.
type Model struct {
	Name   string
	SHA256 string
}

// Environment is the hardware and software stack a measurement ran on: the
// part of the fingerprint that decides whether two measurements are
// comparable. Empty fields are unknown and never count as a difference.
type Environment struct {
	CPUModel        string
	Threads         int // intra-op threads; 0 = ONNX Runtime's default
	GPUModel        string
	Driver          string // GPU driver version
	CUDADriver      string // CUDA driver API version
	ORTVersion      string
	TensorRTVersion string
	Provider        string            // "cpu", "cuda", "tensorrt"
	ProviderOptions map[string]string // as the provider was configured
	Precision       string
	// OS, Kernel, Yologate and ContainerImage are informational: they are
	// shown but never make a comparison inconclusive.
	OS             string
	Kernel         string
	Yologate       string
	ContainerImage string
}

// GPUState is a GPU case's telemetry in brief: per metric, the median over
// the repeats of each repeat's mean (the hottest reading for the
// temperature). It lets a comparison say what changed on the GPU along
// with the speed ("SM clock 1695 → 1395 MHz at the power limit"). A zero
// field was not measured.
type GPUState struct {
	// GPUUtilPct is the share of time a kernel ran, in percent.
	GPUUtilPct float64
	// SMClockMHz and MemClockMHz are the SM and memory clocks in MHz.
	SMClockMHz, MemClockMHz float64
	// PowerW is the board power draw and PowerLimitW the enforced limit, in watts.
	PowerW, PowerLimitW float64
	// TempC is the GPU temperature in degrees Celsius.
	TempC float64
	// HostCPUPct is the benchmark process's own CPU use, in percent of one core.
	HostCPUPct float64
}

// Measurement is one side of a case's comparison: its samples and the
// context they were measured in. FromResults and
// (*baselines.File).Measurements build them.
type Measurement struct {
	Profile string
	CaseID  string
	Model   Model
	// Samples holds the per-repeat values of each metric measured.
	Samples map[Metric][]float64
	Env     Environment
	// Threshold is a per-case override (fraction); nil uses Options.Threshold.
	Threshold *float64
	// Marks lists conditions that make the measurement suspect
	// (instability, throttling, foreign processes). A mark on either side
	// makes the case inconclusive unless the old side accepted a mark of
	// the same kind (AcceptedMarks).
	Marks []string
	// AcceptedMarks lists marks a baseline was recorded with when forced
	// to: they are the accepted norm of the case, and later marks of
	// the same kind (results.MarkKind) are not held against it.
	AcceptedMarks []string
	// Accuracy holds the detections on the reference images (a baseline's
	// carry detections only); nil when none were checked.
	Accuracy *results.Accuracy
	// GPU is what the GPU was doing during the measurement; nil without
	// GPU telemetry.
	GPU *GPUState
}
