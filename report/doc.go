// Package report renders comparisons for people: text, markdown, JSON and benchstat formats.
package report
