package agentremote

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
)

// Masked replaces a redacted value, exactly as the API writes it (and refuses on write, so a
// redacted document can never be resubmitted as an overlay).
const Masked = "••••"

// Redact returns a copy of d fit for a report: under every plugin's config and policy_data, a
// value is masked whole when its key is secret-like, when it contains a secret by its content
// (a URL with a password, a private key, a password= assignment, a well-known token), or when
// it contains one of known (argus's own credentials, whatever key holds them). A value made
// only of `${env:NAME}` references is kept: it names a variable, not its value. Sources and
// policy entries are masked when they contain a secret by content. Labels and keys are kept.
func Redact(d Document, known []string) Document {
	r := redactor{known: nonEmpty(known)}
	out := d
	out.Plugins = make(map[string]*Plugin, len(d.Plugins))
	for name, p := range d.Plugins {
		if p == nil {
			continue
		}
		cp := *p
		cp.Source = r.text(p.Source)
		cp.Policies = make([]string, len(p.Policies))
		for i, e := range p.Policies {
			cp.Policies[i] = r.text(e)
		}
		if len(cp.Policies) == 0 {
			cp.Policies = nil
		}
		cp.Config = r.object(p.Config)
		cp.PolicyData = r.object(p.PolicyData)
		out.Plugins[name] = &cp
	}
	return out
}

// Digest is "sha256:" and the hex SHA-256 of the redacted document's JSON (keys sorted), so
// that the digest the heartbeat carries matches the effective configuration the report shows.
func Digest(redacted Document) string {
	b, err := redacted.Marshal()
	if err != nil {
		b = nil // every value of a decoded document encodes
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

type redactor struct{ known []string }

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func (r redactor) text(s string) string {
	if r.secretContent(s) {
		return Masked
	}
	return s
}

func (r redactor) object(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = r.value(k, v)
	}
	return out
}

func (r redactor) value(key string, v any) any {
	switch t := v.(type) {
	case nil, bool:
		return t
	case string:
		literal := envRef.ReplaceAllString(t, "")
		if literal != t && strings.Trim(literal, " \t:;,|/@=&") == "" {
			return t // only references: names, not values
		}
		if secretKey(key) || r.secretContent(literal) || r.secretContent(t) {
			return Masked
		}
		return t
	}
	if secretKey(key) {
		return Masked
	}
	switch t := v.(type) {
	case map[string]any:
		return r.object(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = r.value(key, x)
		}
		return out
	case json.Number:
		if r.secretContent(t.String()) {
			return Masked
		}
	}
	return v
}

// secretKeyWords are key parts that mark a value as a secret; nonSecretSuffixes are the
// endings of keys that only describe one (secret_name, token_url, password_file).
var (
	secretKeyWords    = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "api_key", "private_key", "privatekey", "dsn", "connection_string", "auth", "cookie", "session_id", "access_key"}
	nonSecretSuffixes = []string{"_name", "_url", "_file", "_path", "_id", "_type", "_ttl", "_header", "_env", "_count", "s_max", "_max"}
)

func secretKey(key string) bool {
	k := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	for _, s := range nonSecretSuffixes {
		if strings.HasSuffix(k, s) && k != "session_id" && k != "access_key_id" {
			return false
		}
	}
	if strings.HasPrefix(k, "max_") || strings.HasSuffix(k, "_tokens") {
		return false
	}
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:[^/\s@]+@`), // URL with a password
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),            // PEM private key
	regexp.MustCompile(`(?i)\b(password|passwd|pwd)\s*=\s*[^\s&;]+`),    // password= assignment
	regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),                   // AWS access key ID
	regexp.MustCompile(`\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}`),      // GitHub
	regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{30,}`),
	regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`),                                   // GitLab
	regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`),                               // Slack
	regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`),                                      // Google API key
	regexp.MustCompile(`\b(sk|rk)_(live|test)_[0-9A-Za-z]{16,}`),                       // Stripe
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+`), // JWT
	regexp.MustCompile(`\bsk-(ant-|proj-)?[A-Za-z0-9_-]{20,}`),                         // OpenAI, Anthropic
	regexp.MustCompile(`\bhf_[A-Za-z0-9]{30,}`),                                        // Hugging Face
	regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}`),                                        // npm
	regexp.MustCompile(`\bhvs\.[A-Za-z0-9_-]{20,}`),                                    // Vault
	regexp.MustCompile(`[^\s:/@]+:[^\s@]+@tcp\(`),                                      // MySQL DSN
}

func (r redactor) secretContent(s string) bool {
	if s == "" {
		return false
	}
	for _, k := range r.known {
		if strings.Contains(s, k) {
			return true
		}
	}
	for _, p := range secretPatterns {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}

// ScrubText masks free text (warnings, errors) that contains a secret, as the API does for a
// report's free text.
func ScrubText(s string, known []string) string {
	return redactor{known: nonEmpty(known)}.text(s)
}

// HideKnown replaces every occurrence of the known secrets in s, for log lines: unlike
// ScrubText it keeps the rest of the line readable.
func HideKnown(s string, known []string) string {
	for _, k := range nonEmpty(known) {
		s = strings.ReplaceAll(s, k, Masked)
	}
	return s
}
