package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/yologate/yologate/internal/config"
	"github.com/yologate/yologate/internal/flagdef"
	"github.com/yologate/yologate/workflow/setup"
)

// TestFlagRegistry ties each group of shared flags to flagdef.Defs: a flag
// registered by a group and missing from the registry, or listed there and
// registered by no group of its concern, fails.
func TestFlagRegistry(t *testing.T) {
	groups := []struct {
		concerns []flagdef.Concern
		register func(fs *flag.FlagSet)
	}{
		{[]flagdef.Concern{flagdef.Benchmark, flagdef.Progress}, func(fs *flag.FlagSet) { new(setup.Bench).Register(fs) }},
		{[]flagdef.Concern{flagdef.Workload}, func(fs *flag.FlagSet) { new(setup.Workload).Register(fs, true) }},
		{[]flagdef.Concern{flagdef.Statistics}, func(fs *flag.FlagSet) { new(setup.Stats).Register(fs) }},
		{[]flagdef.Concern{flagdef.Gate}, func(fs *flag.FlagSet) { new(setup.Gate).Register(fs) }},
	}
	for _, g := range groups {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		g.register(fs)
		var registered []string
		fs.VisitAll(func(f *flag.Flag) {
			registered = append(registered, f.Name)
			d, ok := flagdef.Lookup(f.Name)
			if !ok || !slices.Contains(g.concerns, d.Concern) {
				t.Errorf("--%s is registered by the %v flags but flagdef.Defs lists it as %+v", f.Name, g.concerns, d)
			}
		})
		for _, c := range g.concerns {
			for _, name := range flagdef.Names(c) {
				if !slices.Contains(registered, name) {
					t.Errorf("flagdef.Defs lists --%s as %s, but the %s flags do not register it", name, c, c)
				}
			}
		}
	}
	if !slices.Equal(config.Keys, flagdef.ConfigKeys()) {
		t.Errorf("config.Keys = %v, want the registry's %v", config.Keys, flagdef.ConfigKeys())
	}
}

// TestActionInputsTable checks the README's table of action inputs and
// action.yml's inputs against the registry.
func TestActionInputsTable(t *testing.T) {
	want := slices.Clone(flagdef.ActionInputs)
	for _, d := range flagdef.Defs {
		if d.Input != "" {
			want = append(want, d.Input)
		}
	}
	slices.Sort(want)

	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "| input | default | meaning |")
	if !ok {
		t.Fatal("README.md has no table of action inputs (| input | default | meaning |)")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	var inTable []string
	name := regexp.MustCompile("`([a-z_]+)`")
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 2 {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			inTable = append(inTable, m[1])
		}
	}
	slices.Sort(inTable)
	if !slices.Equal(inTable, want) {
		t.Errorf("README.md's inputs table lists %v, want the registry's %v", inTable, want)
	}

	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta actionMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	var inAction []string
	for k := range meta.Inputs {
		inAction = append(inAction, k)
	}
	slices.Sort(inAction)
	if !slices.Equal(inAction, want) {
		t.Errorf("action.yml's inputs are %v, want the registry's %v", inAction, want)
	}
}

// TestGateRefusesRunFlagsBesideResults gives each benchmark and workload
// flag beside --results: exit 2, one line naming the flag.
func TestGateRefusesRunFlagsBesideResults(t *testing.T) {
	dir := t.TempDir()
	res := cmpResults(t, dir, "r.json", cmpProfile, 12, 10, caseV8)
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	new(setup.Bench).Register(fs)
	new(setup.Workload).Register(fs, true)
	for _, d := range flagdef.Defs {
		if !d.RunOnly() {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			value := fs.Lookup(d.Name).DefValue
			code, _, stderr := cmpMain(t, "gate", "--baseline", "b.yaml", "--results", res, "--"+d.Name+"="+value)
			if code != 2 || !strings.Contains(stderr, "--"+d.Name) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line naming --%s", code, stderr, d.Name)
			}
		})
	}
}
