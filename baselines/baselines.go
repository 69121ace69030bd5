package baselines

import (
	"time"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/runner/results"
)

// Schema is the version tag a baseline file starts with. A file with another
// version is refused, never guessed at.
const Schema = "yologate/baselines/v1"

// File is one parsed baseline file.
type File struct {
	// Path is the file name the baseline was read from, for messages.
	Path string
	// Schema is the file's version tag (Schema).
	Schema string
	// Profiles holds the cases per hardware profile, in file order.
	Profiles []Profile
}

// Profile is the set of baseline cases measured on one hardware profile
// ("gpu=NVIDIA A10", "cpu=AMD EPYC 7B13/threads=2"; see
// results.Fingerprint.Profile).
type Profile struct {
	Name  string
	Cases []Case
}

// Case is the baseline of one case id on one profile.
type Case struct {
	// ID is the case id, e.g. "model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32".
	ID string
	// ThresholdPct overrides the comparison threshold for this case, in
	// percent (5 = 5%); nil uses the comparison's default.
	ThresholdPct *float64
	// Model is the model the samples were measured with.
	Model Model
	// Samples holds the raw per-repeat values of each gated metric, in
	// repeat order. FPS is required; the latency percentiles are present
	// only where they were measured.
	Samples Samples
	// Environment is the stack the samples were measured on.
	Environment Environment
	// Provenance says where the samples came from and why they were accepted.
	Provenance Provenance
	// Marks lists conditions of the measurement that made it suspect; set
	// only when the baseline was recorded with --force.
	Marks []string
	// Detections holds reference detections on the user's images for an
	// accuracy check; nil when none were recorded.
	Detections []results.ImageDetections
	// Check holds the accuracy check's settings the Detections were
	// recorded with; nil when unknown (a file from before they were kept).
	Check *CheckSettings
	// GPU is what the GPU was doing while the samples were measured; nil
	// for CPU cases and where NVML was unavailable.
	GPU *GPUState
}

// CheckSettings are the accuracy check's settings that decide which boxes
// it keeps: a change of them changes the detections, not the model, so a
// comparison reports it as a change of settings.
type CheckSettings struct {
	// Conf is the score threshold (--check-conf), in (0,1).
	Conf float64
	// IoU is the NMS IoU threshold (--check-iou), in (0,1].
	IoU float64
}

// Model, Environment and GPUState are the comparison's types (package
// compare), stored per case.
type (
	Model       = compare.Model
	Environment = compare.Environment
	GPUState    = compare.GPUState
)

// Samples holds per-repeat values of the gated metrics.
type Samples struct {
	// FPS is frames per second per repeat; higher is better.
	FPS []float64
	// P50MS is the median latency per repeat in milliseconds; lower is better.
	P50MS []float64
	// P99MS is the 99th-percentile latency per repeat in milliseconds; nil
	// when the repeats were too short to measure it.
	P99MS []float64
}

// Provenance records who accepted a baseline, when, from which commit and run.
type Provenance struct {
	Commit string
	// Date is when the samples were measured (UTC); zero when unknown.
	Date   time.Time
	RunURL string
	Author string
	Reason string
	// Forced is set when the samples were accepted with --force despite
	// marks or instability.
	Forced bool
}

// Lookup returns the baseline case of profile and id, or nil.
func (f *File) Lookup(profile, id string) *Case {
	for i := range f.Profiles {
		if f.Profiles[i].Name != profile {
			continue
		}
		for j := range f.Profiles[i].Cases {
			if f.Profiles[i].Cases[j].ID == id {
				return &f.Profiles[i].Cases[j]
			}
		}
	}
	return nil
}

// SamplesOf extracts the per-repeat samples of the gated metrics of c.
// P99MS is set only when every repeat measured the 99th percentile.
func SamplesOf(c results.Case) Samples {
	m := compare.SamplesOf(c)
	return Samples{FPS: m[compare.FPS], P50MS: m[compare.P50MS], P99MS: m[compare.P99MS]}
}

// Measurements returns the comparison's view of every case of b; none
// for a nil b.
func (b *File) Measurements() []compare.Measurement {
	if b == nil {
		return nil
	}
	var out []compare.Measurement
	for _, p := range b.Profiles {
		for _, c := range p.Cases {
			var th *float64
			if c.ThresholdPct != nil {
				f := *c.ThresholdPct / 100
				th = &f
			}
			var acc *results.Accuracy
			if c.Detections != nil {
				acc = &results.Accuracy{Images: c.Detections}
				if c.Check != nil {
					acc.ScoreThreshold, acc.IoUThreshold = c.Check.Conf, c.Check.IoU
				}
			}
			out = append(out, compare.Measurement{
				Profile:       p.Name,
				CaseID:        c.ID,
				Model:         c.Model,
				Samples:       samplesMap(c.Samples),
				Env:           c.Environment,
				Threshold:     th,
				AcceptedMarks: c.Marks,
				Accuracy:      acc,
				GPU:           c.GPU,
			})
		}
	}
	return out
}

func samplesMap(s Samples) map[compare.Metric][]float64 {
	m := map[compare.Metric][]float64{}
	if len(s.FPS) > 0 {
		m[compare.FPS] = s.FPS
	}
	if len(s.P50MS) > 0 {
		m[compare.P50MS] = s.P50MS
	}
	if len(s.P99MS) > 0 {
		m[compare.P99MS] = s.P99MS
	}
	return m
}
