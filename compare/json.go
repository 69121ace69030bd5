package compare

import (
	"encoding/json"
	"math"
)

// summaryJSON is Summary with nullable interval bounds: JSON has no
// infinity, and an interval from too few samples is unbounded.
type summaryJSON struct {
	N          int       `json:"n"`
	Median     float64   `json:"median"`
	Lo         *float64  `json:"lo"`
	Hi         *float64  `json:"hi"`
	Confidence float64   `json:"confidence"`
	Values     []float64 `json:"values"`
}

// MarshalJSON writes an infinite bound as null.
func (s Summary) MarshalJSON() ([]byte, error) {
	j := summaryJSON{N: s.N, Median: s.Median, Confidence: s.Confidence, Values: s.Values}
	if !math.IsInf(s.Lo, 0) && !math.IsNaN(s.Lo) {
		j.Lo = &s.Lo
	}
	if !math.IsInf(s.Hi, 0) && !math.IsNaN(s.Hi) {
		j.Hi = &s.Hi
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a null bound as −Inf (Lo) or +Inf (Hi).
func (s *Summary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Summary{N: j.N, Median: j.Median, Lo: math.Inf(-1), Hi: math.Inf(1), Confidence: j.Confidence, Values: j.Values}
	if j.Lo != nil {
		s.Lo = *j.Lo
	}
	if j.Hi != nil {
		s.Hi = *j.Hi
	}
	return nil
}
