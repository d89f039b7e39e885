// Command lint checks GitLab CI/CD configuration files against GitLab's own CI schema
// (testdata/schemas/gitlab-ci.json) and writes the shell of their jobs out for shellcheck:
//
//	go run ./testdata/gitlab/lint -schema testdata/schemas/gitlab-ci.json [-hidden-jobs] [-include TEMPLATE] [-shell DIR] FILE...
//
// Each YAML document of each file (a file with a `spec:` header has two) is converted to JSON
// and validated; every error is printed as FILE: document N: the schema's message, and the exit
// status is 1 when any file is invalid.
//
// GitLab's schema accepts anything under a hidden key (.name), which may be a plain YAML anchor;
// -hidden-jobs validates every hidden mapping as a job template instead, for a file whose hidden
// keys are jobs meant to be extended. -include TEMPLATE also validates each FILE the way GitLab
// sees it after `include:` and `extends:`: TEMPLATE's keys added, and each job's extends merged
// in (mappings deeply, everything else replaced, as GitLab does). With -shell, each job's before_script and script (one
// shell, as the runner runs them) go to DIR/<file>.<job>.sh and its after_script (a shell of
// its own) to DIR/<file>.<job>.after.sh, each starting with a shellcheck directive for POSIX sh.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func main() {
	schemaPath := flag.String("schema", "", "GitLab CI JSON schema")
	shellDir := flag.String("shell", "", "write each job's shell here, for shellcheck")
	hiddenJobs := flag.Bool("hidden-jobs", false, "validate hidden keys as job templates")
	include := flag.String("include", "", "a template each file includes: validate the files with it merged in")
	flag.Parse()
	if *schemaPath == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: lint -schema SCHEMA [-shell DIR] FILE...")
		os.Exit(2)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(*schemaPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compile %s: %v\n", *schemaPath, err)
		os.Exit(2)
	}
	var jobSchema *jsonschema.Schema
	if *hiddenJobs {
		if jobSchema, err = c.Compile(*schemaPath + "#/definitions/job_template"); err != nil {
			fmt.Fprintf(os.Stderr, "compile %s#/definitions/job_template: %v\n", *schemaPath, err)
			os.Exit(2)
		}
	}
	var tmpl map[string]any
	if *include != "" {
		docs, err := readDocs(*include)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", *include, err)
			os.Exit(2)
		}
		if tmpl, _ = docs[len(docs)-1].(map[string]any); tmpl == nil {
			fmt.Fprintf(os.Stderr, "%s: not a mapping\n", *include)
			os.Exit(2)
		}
	}
	bad := false
	for _, file := range flag.Args() {
		if !check(sch, jobSchema, tmpl, *shellDir, file) {
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}

// check validates every document of file and reports whether all were valid.
func check(sch, jobSchema *jsonschema.Schema, tmpl map[string]any, shellDir, file string) bool {
	docs, err := readDocs(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
		return false
	}
	ok := true
	for i, doc := range docs {
		if err := validate(sch, doc); err != nil {
			fmt.Fprintf(os.Stderr, "%s: document %d: %v\n", file, i+1, err)
			ok = false
		}
		m, _ := doc.(map[string]any)
		if jobSchema != nil {
			for _, name := range sortedKeys(m) {
				if job, isMap := m[name].(map[string]any); isMap && strings.HasPrefix(name, ".") {
					if err := validate(jobSchema, job); err != nil {
						fmt.Fprintf(os.Stderr, "%s: document %d: hidden job %s: %v\n", file, i+1, name, err)
						ok = false
					}
				}
			}
		}
		if tmpl != nil && m != nil {
			merged, err := resolve(tmpl, m)
			if err == nil {
				err = validate(sch, merged)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: document %d with the template included: %v\n", file, i+1, err)
				ok = false
			}
		}
		if shellDir != "" {
			if err := writeShell(shellDir, file, doc); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
				ok = false
			}
		}
	}
	if ok {
		fmt.Printf("%s: valid against GitLab's CI schema (%d document(s))\n", file, len(docs))
	}
	return ok
}

// readDocs decodes every YAML document of file into plain Go values (aliases and merge keys
// resolved, as GitLab resolves them).
func readDocs(file string) ([]any, error) {
	data, err := os.ReadFile(file) //nolint:gosec // G304: the files to check are the ones named on the command line
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("YAML: %w", err)
		}
		docs = append(docs, v)
	}
	if len(docs) == 0 {
		return nil, errors.New("no YAML document")
	}
	return docs, nil
}

func validate(sch *jsonschema.Schema, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("not representable as JSON (GitLab's CI configuration is JSON-shaped): %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// notJobs are the top-level keywords of a GitLab CI file that are not jobs.
var notJobs = map[string]bool{
	"default": true, "include": true, "stages": true, "variables": true, "workflow": true,
	"spec": true, "image": true, "services": true, "cache": true, "before_script": true, "after_script": true,
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func writeShell(dir, file string, doc any) error {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	for _, name := range sortedKeys(m) {
		job, ok := m[name].(map[string]any)
		if !ok || notJobs[name] {
			continue
		}
		base := filepath.Join(dir, unsafe.ReplaceAllString(filepath.Base(file)+"."+strings.TrimPrefix(name, "."), "_"))
		main := append(lines(job["before_script"]), lines(job["script"])...)
		if err := writeScript(base+".sh", main); err != nil {
			return err
		}
		if err := writeScript(base+".after.sh", lines(job["after_script"])); err != nil {
			return err
		}
	}
	return nil
}

func lines(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, item := range v {
			out = append(out, lines(item)...) // GitLab flattens nested arrays (YAML anchors)
		}
		return out
	}
	return nil
}

func writeScript(path string, cmds []string) error {
	if len(cmds) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# shellcheck shell=sh\n# Generated by testdata/gitlab/lint from a GitLab CI job; the runner's own variables are set.\n")
	for _, c := range cmds {
		b.WriteString(strings.TrimRight(c, "\n"))
		b.WriteString("\n")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func sortedKeys(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// resolve is doc as GitLab evaluates it after include: (tmpl's keys, doc's winning) and
// extends: (each job merged onto the jobs it extends, in order). The include: key itself is
// dropped, since its target is tmpl.
func resolve(tmpl, doc map[string]any) (map[string]any, error) {
	all := map[string]any{}
	for k, v := range tmpl {
		all[k] = v
	}
	for k, v := range doc {
		if k != "include" {
			all[k] = deepMerge(all[k], v)
		}
	}
	out := map[string]any{}
	for name, v := range all {
		job, ok := v.(map[string]any)
		if !ok || notJobs[name] {
			out[name] = v
			continue
		}
		r, err := extend(all, name, job, 0)
		if err != nil {
			return nil, err
		}
		out[name] = r
	}
	return out, nil
}

func extend(all map[string]any, name string, job map[string]any, depth int) (map[string]any, error) {
	if depth > 11 { // GitLab allows 11 levels of extends
		return nil, fmt.Errorf("job %s: extends nests too deep (a cycle?)", name)
	}
	var parents []string
	switch e := job["extends"].(type) {
	case nil:
		return job, nil
	case string:
		parents = []string{e}
	case []any:
		for _, p := range e {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("job %s: extends lists a non-string", name)
			}
			parents = append(parents, s)
		}
	default:
		return nil, fmt.Errorf("job %s: extends is neither a name nor a list", name)
	}
	var base any = map[string]any{}
	for _, p := range parents {
		pj, ok := all[p].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("job %s extends %s, which is not defined (in the file or the template)", name, p)
		}
		rp, err := extend(all, p, pj, depth+1)
		if err != nil {
			return nil, err
		}
		base = deepMerge(base, rp)
	}
	own := map[string]any{}
	for k, v := range job {
		if k != "extends" {
			own[k] = v
		}
	}
	merged, ok := deepMerge(base, own).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("job %s: does not merge into a mapping", name)
	}
	return merged, nil
}

// deepMerge merges over onto base: mappings key by key, anything else replaced.
func deepMerge(base, over any) any {
	bm, ok1 := base.(map[string]any)
	om, ok2 := over.(map[string]any)
	if !ok1 || !ok2 {
		return over
	}
	out := map[string]any{}
	for k, v := range bm {
		out[k] = v
	}
	for k, v := range om {
		out[k] = deepMerge(out[k], v)
	}
	return out
}
