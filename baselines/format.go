package baselines

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yologate/yologate/runner/results"
)

// header opens a baseline file written from scratch.
const header = `# yologate performance baselines: review changes to this file like code.
# Written by "yologate baseline update"; samples are per-repeat values.
`

// Format renders f as a complete baseline file. Comments are not kept:
// Update edits an existing file in place instead.
func Format(f *File) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("schema: " + quote(Schema) + "\n")
	if len(f.Profiles) == 0 {
		b.WriteString("profiles: {}\n")
		return b.Bytes()
	}
	b.WriteString("profiles:\n")
	for _, p := range f.Profiles {
		writeProfile(&b, p, 2)
	}
	return b.Bytes()
}

// writeProfile writes one profile entry with its key at indent.
func writeProfile(b *bytes.Buffer, p Profile, indent int) {
	pad := strings.Repeat(" ", indent)
	if len(p.Cases) == 0 {
		b.WriteString(pad + quote(p.Name) + ": {}\n")
		return
	}
	b.WriteString(pad + quote(p.Name) + ":\n")
	for _, c := range p.Cases {
		writeCase(b, c, indent+2)
	}
}

// writeCase writes one case entry with its key at indent.
func writeCase(b *bytes.Buffer, c Case, indent int) {
	pad := strings.Repeat(" ", indent)
	in := pad + "  "
	b.WriteString(pad + quote(c.ID) + ":\n")
	if c.ThresholdPct != nil {
		b.WriteString(in + "threshold: " + formatFloat(*c.ThresholdPct) + "%\n")
	}
	if c.Model != (Model{}) {
		b.WriteString(in + "model:\n")
		field(b, in+"  ", "name", c.Model.Name)
		field(b, in+"  ", "sha256", c.Model.SHA256)
	}
	b.WriteString(in + "samples:\n")
	floats(b, in+"  ", "fps", c.Samples.FPS)
	floats(b, in+"  ", "p50_ms", c.Samples.P50MS)
	floats(b, in+"  ", "p99_ms", c.Samples.P99MS)
	e := c.Environment
	var env bytes.Buffer
	ein := in + "  "
	field(&env, ein, "cpu_model", e.CPUModel)
	if e.Threads != 0 {
		env.WriteString(ein + "threads: " + strconv.Itoa(e.Threads) + "\n")
	}
	field(&env, ein, "gpu_model", e.GPUModel)
	field(&env, ein, "driver", e.Driver)
	field(&env, ein, "cuda_driver", e.CUDADriver)
	field(&env, ein, "ort_version", e.ORTVersion)
	field(&env, ein, "tensorrt_version", e.TensorRTVersion)
	field(&env, ein, "provider", e.Provider)
	if len(e.ProviderOptions) > 0 {
		env.WriteString(ein + "provider_options:\n")
		keys := make([]string, 0, len(e.ProviderOptions))
		for k := range e.ProviderOptions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env.WriteString(ein + "  " + quote(k) + ": " + quote(e.ProviderOptions[k]) + "\n")
		}
	}
	field(&env, ein, "precision", e.Precision)
	field(&env, ein, "os", e.OS)
	field(&env, ein, "kernel", e.Kernel)
	field(&env, ein, "yologate", e.Yologate)
	field(&env, ein, "container_image", e.ContainerImage)
	if env.Len() > 0 {
		b.WriteString(in + "environment:\n")
		b.Write(env.Bytes())
	}
	if g := c.GPU; g != nil {
		var gpu bytes.Buffer
		for _, f := range []struct {
			name string
			v    float64
		}{{"gpu_util_pct", g.GPUUtilPct}, {"sm_clock_mhz", g.SMClockMHz}, {"mem_clock_mhz", g.MemClockMHz},
			{"power_w", g.PowerW}, {"power_limit_w", g.PowerLimitW}, {"temp_c", g.TempC}, {"host_cpu_pct", g.HostCPUPct}} {
			if f.v > 0 {
				gpu.WriteString(ein + f.name + ": " + formatFloat(f.v) + "\n")
			}
		}
		if gpu.Len() > 0 {
			b.WriteString(in + "gpu:\n")
			b.Write(gpu.Bytes())
		}
	}
	pr := c.Provenance
	var prov bytes.Buffer
	field(&prov, ein, "commit", pr.Commit)
	if !pr.Date.IsZero() {
		prov.WriteString(ein + "date: " + pr.Date.UTC().Format(time.RFC3339Nano) + "\n")
	}
	field(&prov, ein, "run_url", pr.RunURL)
	field(&prov, ein, "author", pr.Author)
	field(&prov, ein, "reason", pr.Reason)
	if pr.Forced {
		prov.WriteString(ein + "forced: true\n")
	}
	if prov.Len() > 0 {
		b.WriteString(in + "provenance:\n")
		b.Write(prov.Bytes())
	}
	if c.Marks != nil {
		q := make([]string, len(c.Marks))
		for i, m := range c.Marks {
			q[i] = quote(m)
		}
		b.WriteString(in + "marks: [" + strings.Join(q, ", ") + "]\n")
	}
	if c.Check != nil {
		b.WriteString(in + "check:\n")
		b.WriteString(in + "  conf: " + formatFloat(c.Check.Conf) + "\n")
		b.WriteString(in + "  iou: " + formatFloat(c.Check.IoU) + "\n")
	}
	if c.Detections != nil {
		writeDetections(b, in, c.Detections)
	}
}

func writeDetections(b *bytes.Buffer, in string, ds []results.ImageDetections) {
	if len(ds) == 0 {
		b.WriteString(in + "detections: []\n")
		return
	}
	b.WriteString(in + "detections:\n")
	for _, d := range ds {
		b.WriteString(in + "  - image: " + quote(d.Image) + "\n")
		item := in + "    "
		b.WriteString(item + "width: " + strconv.Itoa(d.Width) + "\n")
		b.WriteString(item + "height: " + strconv.Itoa(d.Height) + "\n")
		if d.Detections == nil {
			continue
		}
		if len(d.Detections) == 0 {
			b.WriteString(item + "boxes: []\n")
			continue
		}
		b.WriteString(item + "boxes:\n")
		for _, x := range d.Detections {
			b.WriteString(item + "  - {class: " + strconv.Itoa(x.Class))
			if x.Name != "" {
				b.WriteString(", name: " + quote(x.Name))
			}
			b.WriteString(", score: " + formatFloat(x.Score) +
				", x1: " + formatFloat(x.X1) + ", y1: " + formatFloat(x.Y1) +
				", x2: " + formatFloat(x.X2) + ", y2: " + formatFloat(x.Y2) + "}\n")
		}
	}
}

func field(b *bytes.Buffer, in, name, v string) {
	if v != "" {
		b.WriteString(in + name + ": " + quote(v) + "\n")
	}
}

func floats(b *bytes.Buffer, in, name string, v []float64) {
	if len(v) == 0 {
		return
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = formatFloat(x)
	}
	b.WriteString(in + name + ": [" + strings.Join(s, ", ") + "]\n")
}

// formatFloat writes the shortest text that parses back to exactly v.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// plainRE matches strings safe to write as plain YAML scalars in block and
// flow context: no indicator characters, no ": " or " #".
var plainRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._/=+@()-]*$`)

// quote returns s as a YAML scalar that reads back as the same string:
// plain when that is unambiguous, double-quoted otherwise.
func quote(s string) string {
	if plainRE.MatchString(s) && !strings.HasSuffix(s, " ") && !looksTyped(s) {
		return s
	}
	// Go's quoting of valid UTF-8 is valid YAML double-quoted text: both
	// use \" \\ \n \t \xXX \uXXXX \UXXXXXXXX.
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

// looksTyped reports whether a plain scalar s would read as something
// other than a string: a number, a boolean or null.
func looksTyped(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return true
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return true
	}
	if _, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
		return true
	}
	return false
}
