// Command yologate is a CI performance-regression gate for YOLO object
// detection on ONNX Runtime.
//
// Usage:
//
//	yologate run       run the standardized benchmark, write results
//	yologate compare   results vs baseline (or results vs results); exit 1 on regression
//	yologate gate      run + compare + report (what the GitHub Action calls)
//	yologate ab        interleaved A/B of two models or settings on this machine
//	yologate baseline  update | show: write or print baselines
//	yologate history   record | show | check: main's runs, change points, drift
//	yologate models    list | generate NAME | inspect FILE
//	yologate merge     combine results from several runners into one report
//	yologate doctor    what this machine can run
//	yologate detect    print a model's detections on images
//	yologate capacity  how many concurrent streams this machine holds at a target fps
//	yologate sweep     measure a batch x imgsz grid and recommend one for a latency budget
//	yologate report    write a self-contained HTML report with charts
//	yologate version   print the version
//
// Run "yologate COMMAND --help" for a command's flags.
//
// Exit codes, the same for every command: 0 pass (also no significant change
// and, unless --fail-on-inconclusive, inconclusive), 1 regression found,
// 2 usage or input error, 3 environment failure, 130/143 interrupted by
// SIGINT/SIGTERM.
package main

import "os"

func main() {
	cmd := &Command{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(cmd.Main(os.Args[1:]))
}
