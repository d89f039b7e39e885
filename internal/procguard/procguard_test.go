package procguard

import (
	"os"
	"slices"
	"testing"
)

func TestSensitive(t *testing.T) {
	for name, want := range map[string]bool{
		"ARGUS_CLIENT_SECRET":   true,
		"argus_config":          true,
		"AWS_SECRET_ACCESS_KEY": true,
		"AWS_ACCESS_KEY_ID":     true,
		"GITHUB_TOKEN":          true,
		"DB_PASSWORD":           true,
		"OPENAI_API_KEY":        true,
		"GOOGLE_CREDENTIALS":    true,
		"PATH":                  false,
		"HOME":                  false,
		"HTTPS_PROXY":           false,
		"GITHUB_ACTIONS":        false,
		"SSL_CERT_FILE":         false,
	} {
		if got := Sensitive(name); got != want {
			t.Errorf("Sensitive(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestScrubEnv(t *testing.T) {
	t.Setenv("ARGUS_CLIENT_SECRET", "from-argus")
	t.Setenv("CP_CREDS", "the-secret-value") // a secret by value: its name says nothing
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws")
	t.Setenv("HARMLESS", "the-secret-value-but-longer")
	t.Setenv("KEEP_ME", "yes")

	before := ScrubEnv([]string{"the-secret-value", ""})

	for _, name := range []string{"ARGUS_CLIENT_SECRET", "CP_CREDS", "AWS_SECRET_ACCESS_KEY"} {
		if v, ok := os.LookupEnv(name); ok {
			t.Errorf("%s=%q is still in the environment", name, v)
		}
	}
	for _, kv := range []string{"HARMLESS=the-secret-value-but-longer", "KEEP_ME=yes"} {
		if !slices.Contains(os.Environ(), kv) {
			t.Errorf("%s was removed from the environment", kv)
		}
	}
	// The runner takes env_allow values from what was there: a job may still be given them.
	for _, kv := range []string{"ARGUS_CLIENT_SECRET=from-argus", "CP_CREDS=the-secret-value", "AWS_SECRET_ACCESS_KEY=aws", "KEEP_ME=yes"} {
		if !slices.Contains(before, kv) {
			t.Errorf("returned environment lacks %s", kv)
		}
	}
}
