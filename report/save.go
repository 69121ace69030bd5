package report

import (
	"bytes"
	"encoding/json"

	"github.com/yologate/yologate/compare"
	"github.com/yologate/yologate/internal/atomicfile"
	"github.com/yologate/yologate/internal/errs"
)

// SaveHTML writes the HTML report of in, with the verdicts and baseline
// samples of rep when there is a comparison, atomically to path.
func SaveHTML(path string, in HTMLReport, rep *compare.Report) error {
	if rep != nil {
		in.Verdicts, in.BaseFPS = HTMLVerdicts(rep)
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, in); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0)
}

// SaveGateReport writes the gate report JSON, what yologate merge reads,
// atomically to path.
func SaveGateReport(path string, g *GateReport) error {
	data, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return errs.Envf(path, "", "encoding the gate report: %v", err)
	}
	return atomicfile.Write(path, append(data, '\n'), 0)
}
