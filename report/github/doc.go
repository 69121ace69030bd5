// Package github reports verdicts on GitHub: the sticky pull-request comment, commit statuses and check runs, step summaries and annotations. It is the only importer of go-github.
package github
