package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The docs name CI steps and schema files by path; a renamed file must not leave them pointing
// at nothing (the cron example named a step that did not exist).
func TestDocsReferToFilesThatExist(t *testing.T) {
	ref := regexp.MustCompile(`(?:\.ci/steps/[0-9]+-[a-z-]+\.sh|docs/schemas/[a-z0-9.-]+\.json)`)
	var files []string
	for _, glob := range []string{"README.md", "docs/*.md", "examples/*/*"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		for _, p := range ref.FindAllString(string(b), -1) {
			checked++
			if _, err := os.Stat(filepath.FromSlash(strings.TrimSpace(p))); err != nil {
				t.Errorf("%s refers to %s, which does not exist", f, p)
			}
		}
	}
	if checked < 3 {
		t.Fatalf("found only %d references: the pattern no longer matches the docs", checked)
	}
}
