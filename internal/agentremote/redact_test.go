package agentremote

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRedact(t *testing.T) {
	d := Document{Plugins: map[string]*Plugin{"p": { //nolint:gosec // G101: fake secrets that redaction must mask
		Source:   "https://user:pw@registry.example/x:v1",
		Policies: []string{"ghcr.io/a/b:v1", "https://u:p@evil/x"},
		Config: map[string]any{ //nolint:gosec // G101: fake secrets that redaction must mask
			"password":      "hunter2",
			"api_key":       "abc",
			"token_url":     "https://auth.example/token", // describes a secret: kept
			"secret_name":   "db-pass",                    // kept
			"max_tokens":    "100",                        // kept
			"user":          "${env:DB_USER}",             // placeholders only: kept
			"pair":          "${env:U}:${env:P}",          // kept
			"db_password":   "x${env:P}",                  // secret-like key with a literal: masked
			"dsn":           "postgres://app:pw@db/app",   // masked by key and content
			"url":           "https://ops:hunter2@example.com/x",
			"pem":           "-----BEGIN RSA PRIVATE KEY-----\nabc",
			"gh":            "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
			"aws":           "AKIAABCDEFGHIJKLMNOP",
			"plain":         "hello",
			"own":           "prefix-s3cret-suffix", // argus's own credential, whatever the key
			"nested":        map[string]any{"token": "t", "ok": "v"},
			"list":          []any{"fine", "https://a:b@c/"},
			"flag":          true,
			"auth_header":   "X-Auth", // describes: kept
			"client_secret": map[string]any{"a": 1},
		},
		PolicyData: map[string]any{"password": 5, "limit": 3},
		Labels:     map[string]string{"password": "label values are kept"},
	}}}
	got := Redact(d, []string{"s3cret"}).Plugins["p"]
	want := map[string]any{ //nolint:gosec // G101: the masked forms, not secrets
		"password": Masked, "api_key": Masked, "token_url": "https://auth.example/token", "secret_name": "db-pass",
		"max_tokens": "100", "user": "${env:DB_USER}", "pair": "${env:U}:${env:P}", "db_password": Masked,
		"dsn": Masked, "url": Masked, "pem": Masked, "gh": Masked, "aws": Masked, "plain": "hello", "own": Masked,
		"nested": map[string]any{"token": Masked, "ok": "v"}, "list": []any{"fine", Masked}, "flag": true,
		"auth_header": "X-Auth", "client_secret": Masked,
	}
	if diff := cmp.Diff(want, got.Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"password": Masked, "limit": 3}, got.PolicyData); diff != "" {
		t.Errorf("policy_data (-want +got):\n%s", diff)
	}
	if got.Source != Masked || got.Policies[0] != "ghcr.io/a/b:v1" || got.Policies[1] != Masked {
		t.Errorf("sources %q %q", got.Source, got.Policies)
	}
	if got.Labels["password"] != "label values are kept" {
		t.Error("labels are never masked")
	}
	if d.Plugins["p"].Config["password"] != "hunter2" {
		t.Error("Redact changed its input")
	}
	if Digest(Redact(d, nil)) != Digest(Redact(Redact(d, nil), nil)) {
		t.Error("redaction is not idempotent under the digest")
	}
}

func TestScrubAndHide(t *testing.T) {
	if ScrubText("get agent token: POST http://h/api/auth/agent/token: EOF", nil) == Masked {
		t.Error("an error about a token route is not a secret")
	}
	if ScrubText("dial https://a:b@h/", nil) != Masked || ScrubText("x s3cret y", []string{"s3cret"}) != Masked {
		t.Error("ScrubText")
	}
	if got := HideKnown("a s3cret b", []string{"s3cret", ""}); got != "a "+Masked+" b" {
		t.Error(got)
	}
}

func TestResolveEnvPaths(t *testing.T) {
	d := Document{Plugins: map[string]*Plugin{"p": {Config: map[string]any{"m": map[string]any{"l": []any{"${env:X}"}}}}}}
	_, err := ResolveEnv(d, func(string) (string, bool) { return "", false }, nil)
	var ee *EnvError
	if !asEnvError(err, &ee) || ee.Path != "/plugins/p/config/m/l/0" || ee.Name != "X" {
		t.Fatalf("%v", err)
	}
	out, err := ResolveEnv(d, func(string) (string, bool) { return "v", true }, nil)
	if err != nil || !sameJSON(out.Plugins["p"].Config, map[string]any{"m": map[string]any{"l": []any{"v"}}}) {
		t.Fatalf("%v %v", out, err)
	}
	if !sameJSON(d.Plugins["p"].Config, map[string]any{"m": map[string]any{"l": []any{"${env:X}"}}}) {
		t.Error("ResolveEnv changed its input")
	}
}

func asEnvError(err error, target **EnvError) bool { return errors.As(err, target) }
