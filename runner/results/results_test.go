package results

import "testing"

func TestEngineNote(t *testing.T) {
	for state, want := range map[string]string{
		EngineBuilt:  " (TensorRT engine built)",
		EngineCached: " (TensorRT engine from the cache)",
		"":           "",
	} {
		if got := (ColdStart{TensorRTEngine: state}).EngineNote(); got != want {
			t.Errorf("EngineNote(%q) = %q, want %q", state, got, want)
		}
	}
}
