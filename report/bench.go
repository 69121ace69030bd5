package report

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/yologate/yologate/runner/results"
)

// BenchPrefix is the benchmark name every case line starts with; the case
// id follows it as sub-benchmark keys (benchstat reads "/model=yolov8n" as
// the key "model").
const BenchPrefix = "BenchmarkYOLO/"

// WriteBench writes a run in the Go benchmark format
// (https://go.googlesource.com/proposal/+/master/design/14313-benchmark-data.md),
// which benchstat reads as it is: the goos, goarch, pkg and cpu header
// lines, ONNX Runtime and yologate configuration lines, then one line per
// repeat:
//
//	BenchmarkYOLO/model=yolov8n/imgsz=640/batch=1/ep=cpu/precision=fp32  62  80612345 ns/op  12.40 fps  80.10 p50-ms  95.30 p99-ms
//
// N is the repeat's iterations, ns/op its wall time per iteration, fps its
// frames per second; p99-ms appears only when the repeat had enough
// iterations to measure it.
func WriteBench(w io.Writer, f *results.File) error {
	fp := f.Fingerprint
	goos := fp.Host.OS
	if goos == "" || strings.ContainsAny(goos, " ") {
		goos = runtime.GOOS
	}
	arch := fp.Host.Arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\n", goos)
	fmt.Fprintf(&b, "goarch: %s\n", arch)
	fmt.Fprintf(&b, "pkg: github.com/yologate/yologate\n")
	if fp.Host.CPUModel != "" {
		fmt.Fprintf(&b, "cpu: %s\n", benchOneLine(fp.Host.CPUModel))
	}
	if fp.Runtime.ORTVersion != "" {
		fmt.Fprintf(&b, "onnxruntime: %s\n", fp.Runtime.ORTVersion)
	}
	for _, g := range fp.GPUs {
		fmt.Fprintf(&b, "gpu%d: %s\n", g.Index, benchOneLine(g.Name))
	}
	if fp.Yologate.Version != "" {
		fmt.Fprintf(&b, "yologate: %s\n", strings.TrimSpace(fp.Yologate.Version+" "+fp.Yologate.Commit))
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		name := BenchPrefix + strings.ReplaceAll(c.ID, " ", "_")
		for _, r := range c.Repeats {
			if r.Iterations <= 0 {
				continue
			}
			nsPerOp := float64(r.WallNS) / float64(r.Iterations)
			fmt.Fprintf(&b, "%s\t%d\t%.0f ns/op\t%.3f fps\t%.3f p50-ms", name, r.Iterations, nsPerOp, r.FPS, r.Latency.P50MS)
			if r.Latency.P99MS != nil {
				fmt.Fprintf(&b, "\t%.3f p99-ms", *r.Latency.P99MS)
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func benchOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
