// Package github reports a gate's outcome on GitHub: the sticky
// pull-request comment (one per gate key, found again by a hidden marker),
// the commit status or check run, and the runner's step summary, outputs and
// annotations. It reads the Actions environment through a getenv function
// and the event payload (ReadEnv, ParseEvent), retries the REST API on 5xx,
// network errors and rate limits, never prints the token, and falls back to
// the summary and a warning when the token may not post (403/404), without
// changing the verdict. It is the only importer of go-github; the core
// interface it implements is report.Publisher.
package github
