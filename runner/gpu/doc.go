// Package gpu reads GPU telemetry and the GPU fingerprint through NVML; it is the only importer of go-nvml.
package gpu
