// Package baselines reads and writes the YAML baseline files that the gate compares against, keyed by hardware profile and case id.
package baselines
