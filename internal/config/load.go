package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// FileSuffix ends the name of every configuration file argus reads from a directory.
const FileSuffix = ".argus.hcl"

// LoadOptions are the optional inputs of Load. A nil *LoadOptions, or a nil field, means the
// default.
type LoadOptions struct {
	// Env looks up an environment variable for env(). Default: os.LookupEnv.
	Env func(name string) (string, bool)
	// Hostname names this machine for hostname() and for the default subject of a job
	// without a subject block. Default: os.Hostname.
	Hostname func() (string, error)
	// ArgusVersion is the running argus's version, checked against argus.required_version.
	// The check is skipped when it is "" or "dev" (a development build).
	ArgusVersion string
	// WaiverFiles are more files to read waiver blocks from (and nothing else): --waivers, so
	// that a security team can own its waivers apart from the checks. Relative paths are
	// relative to the working directory.
	WaiverFiles []string
	// Now is the clock waiver expiries are checked against. Default: time.Now.
	Now func() time.Time
}

func (o *LoadOptions) withDefaults() LoadOptions {
	var out LoadOptions
	if o != nil {
		out = *o
	}
	if out.Env == nil {
		out.Env = os.LookupEnv
	}
	if out.Hostname == nil {
		out.Hostname = os.Hostname
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}

// Load reads the configuration at path: a single HCL file, or a directory whose *.argus.hcl
// files (not those of subdirectories, nor hidden ones) are read in name order as one
// configuration.
//
// Load reports every problem it finds, not only the first. It always returns a non-nil
// *Config whose Path, Dir and Files are set as far as loading got, so that the caller can
// print the diagnostics with source snippets (WriteDiagnostics(w, cfg.Files, diags, …)); when
// diags.HasErrors() the rest of the Config is incomplete and must not be used. Diagnostics
// may also hold warnings when there is no error.
func Load(path string, opts *LoadOptions) (*Config, hcl.Diagnostics) {
	o := opts.withDefaults()
	cfg := &Config{Path: path, Files: map[string]*hcl.File{}}

	names, dir, diags := configFiles(path)
	if diags.HasErrors() {
		return cfg, diags
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return cfg, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot resolve the configuration directory",
			Detail:   fmt.Sprintf("Making %q absolute: %v. Pass an absolute --config path.", dir, err),
		})
	}
	cfg.Dir = absDir

	l := newLoader(o, cfg)
	for _, name := range names {
		src, err := os.ReadFile(name) //nolint:gosec // G304: the configuration files the operator pointed argus at
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read configuration file",
				Detail:   fmt.Sprintf("Reading %q: %v. Check that the file exists and is readable.", name, err),
			})
			continue
		}
		f, parseDiags := parseHCL(src, name) // size and nesting checked first (depth.go), then parsed (parse.go)
		diags = append(diags, parseDiags...)
		if f == nil {
			continue
		}
		cfg.Files[name] = f
		// A body that did not parse would decode into errors that follow from the syntax
		// error rather than from the configuration: report the syntax error alone.
		if parseDiags.HasErrors() {
			continue
		}
		l.decodeFile(f)
	}
	for _, name := range o.WaiverFiles {
		if name == "" {
			continue // an empty ARGUS_WAIVERS means none
		}
		src, err := os.ReadFile(name) //nolint:gosec // G304: the waiver file the operator pointed argus at
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read waiver file",
				Detail:   fmt.Sprintf("Reading %q (--waivers): %v. Check that the file exists and is readable.", name, err),
			})
			continue
		}
		f, parseDiags := parseHCL(src, name) // the same size and nesting limits as configuration files
		diags = append(diags, parseDiags...)
		if f == nil {
			continue
		}
		cfg.Files[name] = f
		if !parseDiags.HasErrors() {
			l.decodeWaiverFile(f)
		}
	}
	if !diags.HasErrors() {
		l.finish()
	}
	diags = append(diags, l.diags...)

	sort.Slice(cfg.Jobs, func(i, j int) bool { return cfg.Jobs[i].Name < cfg.Jobs[j].Name })
	sort.Slice(cfg.Providers, func(i, j int) bool { return cfg.Providers[i].Name < cfg.Providers[j].Name })
	sort.Slice(cfg.Waivers, func(i, j int) bool { return cfg.Waivers[i].Name < cfg.Waivers[j].Name })
	sort.Slice(cfg.Registries, func(i, j int) bool { return cfg.Registries[i].Host < cfg.Registries[j].Host })
	return cfg, diags
}

// configFiles lists the files that make up the configuration at path, and the directory
// holding them.
func configFiles(path string) (names []string, dir string, diags hcl.Diagnostics) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Configuration not found",
			Detail: fmt.Sprintf("%q does not exist. Pass --config with an HCL file or a directory of *%s files, or run argus where they are.",
				path, FileSuffix),
		}}
	case err != nil:
		return nil, "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration",
			Detail:   fmt.Sprintf("%v. Check the path and its permissions.", err),
		}}
	case !info.IsDir():
		return []string{path}, filepath.Dir(path), nil
	}

	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration directory",
			Detail:   fmt.Sprintf("%v. Check the directory's permissions.", err),
		}}
	}
	var near []string // .hcl files that do not follow the naming rule: likely mistakes
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || e.IsDir() {
			continue
		}
		switch {
		case strings.HasSuffix(n, FileSuffix):
			names = append(names, filepath.Join(path, n))
		case strings.HasSuffix(n, ".hcl") && n != "argus.lock.hcl":
			near = append(near, n)
		}
	}
	if len(names) == 0 {
		detail := fmt.Sprintf("argus reads the files whose names end in %q directly in the configuration directory (not in subdirectories). Name your configuration file like main%s, or pass the file itself with --config.",
			FileSuffix, FileSuffix)
		if len(near) > 0 {
			detail += fmt.Sprintf(" These files are ignored because of their names: %s.", strings.Join(near, ", "))
		}
		return nil, "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %q holds no *%s file. %s", path, FileSuffix, detail),
		}}
	}
	sort.Strings(names)
	return names, path, nil
}

// WriteDiagnostics prints diags for a human: each starts with the file:line:col it is about
// (editors and CI log viewers link that form), followed by hcl's rendering with a snippet of
// the source when files holds the file. color adds terminal colours.
// Secret values (client_secret) are shown as asterisks.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	tw := hcl.NewDiagnosticTextWriter(w, redactFiles(files), 0, color)
	for _, d := range diags {
		if d.Subject != nil {
			if _, err := fmt.Fprintf(w, "%s: ", pos(*d.Subject)); err != nil {
				return fmt.Errorf("write diagnostics: %w", err)
			}
		}
		if err := tw.WriteDiagnostic(d); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}
