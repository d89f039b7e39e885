// Command argus-provider-sshd is an argus provider that checks an OpenSSH server configuration
// (sshd_config) against expected directive values: one result per expected directive.
//
// Job config:
//
//	config = {
//	  path   = "/etc/ssh/sshd_config"                  # optional, this is the default
//	  expect = { PermitRootLogin = "no", PasswordAuthentication = "no" }
//	}
//
// A directive that is absent counts as its OpenSSH default only when "defaults" lists it, so a
// check never passes by accident. Include files and Match blocks are not followed: settings
// after the first Match line apply conditionally and are ignored, as sshd applies them only to
// matching connections.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/compliance-framework/argus/sdk"
)

type jobConfig struct {
	Path     string            `json:"path"`
	Expect   map[string]string `json:"expect"`
	Defaults map[string]string `json:"defaults"`
}

func main() { sdk.Serve(assess) }

func assess(ctx context.Context, req sdk.Request) (sdk.Response, error) {
	cfg := jobConfig{Path: "/etc/ssh/sshd_config"}
	if err := req.DecodeConfig(&cfg); err != nil {
		return sdk.Response{}, err
	}
	if len(cfg.Expect) == 0 {
		return sdk.Response{}, fmt.Errorf(`config "expect" is empty: name at least one directive, e.g. expect = { PermitRootLogin = "no" }`)
	}
	settings, err := parse(cfg.Path)
	if err != nil {
		return sdk.Response{Results: []sdk.Result{{
			Title: "sshd_config " + cfg.Path, Status: sdk.StatusError, Reason: err.Error(),
		}}}, nil
	}
	return sdk.Response{Results: check(cfg, settings)}, nil
}

// parse reads the global section of an sshd_config: keywords are case-insensitive and the
// first occurrence wins, as in sshd.
func parse(path string) (map[string]string, error) {
	f, err := os.Open(path) //nolint:gosec // G304: reading the sshd_config the job names is this provider's purpose
	if err != nil {
		return nil, fmt.Errorf("read sshd config: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(strings.Join(strings.Fields(strings.Replace(line, "=", " ", 1)), " "), " ")
		key = strings.ToLower(key)
		if key == "match" {
			break
		}
		if _, seen := out[key]; !seen {
			out[key] = value
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read sshd config %q: %w", path, err)
	}
	return out, nil
}

func check(cfg jobConfig, settings map[string]string) []sdk.Result {
	keys := make([]string, 0, len(cfg.Expect))
	for k := range cfg.Expect {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var results []sdk.Result
	for _, k := range keys {
		want := cfg.Expect[k]
		got, ok := settings[strings.ToLower(k)]
		source := cfg.Path
		if !ok {
			got, ok = cfg.Defaults[k]
			source = "default (from job config)"
		}
		r := sdk.Result{
			Title:  fmt.Sprintf("sshd %s is %s", k, want),
			Labels: map[string]string{"directive": k},
			Observations: []sdk.Observation{{
				Title:    "sshd_config " + k,
				Evidence: map[string]any{"path": cfg.Path, "directive": k, "value": got, "source": source, "set": ok},
			}},
		}
		switch {
		case !ok:
			r.Status, r.Reason = sdk.StatusFail, fmt.Sprintf("%s is not set in %s and no default was given", k, cfg.Path)
		case strings.EqualFold(got, want):
			r.Status = sdk.StatusPass
		default:
			r.Status, r.Reason = sdk.StatusFail, fmt.Sprintf("%s is %q, want %q", k, got, want)
		}
		results = append(results, r)
	}
	return results
}
