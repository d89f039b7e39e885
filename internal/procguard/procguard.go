package procguard

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Harden applies the process-wide protections of the package doc to the running process. It is
// best effort: what the system refuses is written to warn as one "argus: warning:" line each,
// and argus runs on, as it did before these protections existed.
func Harden(warn io.Writer) {
	for _, err := range harden() {
		_, _ = fmt.Fprintf(warn, "argus: warning: %v\n", err)
	}
}

// ScrubEnv removes from the process environment every variable argus itself reads (ARGUS_*),
// every variable whose value is one of secrets (the configuration's client_secret, whichever
// variable it came from) and every variable whose name says it holds a credential (see
// [Sensitive]), so that nothing argus starts without an explicit environment inherits them.
// It returns the environment as it was, copied, for the runner to take PATH, HOME and the
// jobs' env_allow values from: a job may still be given a credential it names.
func ScrubEnv(secrets []string) (before []string) {
	before = os.Environ()
	for i, kv := range before {
		before[i] = strings.Clone(kv)
	}
	for _, kv := range before {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		if Sensitive(name) || (value != "" && slices.Contains(secrets, value)) {
			_ = os.Unsetenv(name) // fails only for an invalid name, which os.Environ cannot return
		}
	}
	return before
}

// credentialWords mark a variable name as holding a credential when they appear in it.
var credentialWords = [...]string{"SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "ACCESS_KEY", "API_KEY"}

// Sensitive reports whether ScrubEnv removes a variable by its name alone: argus's own ARGUS_*
// settings, and names containing SECRET, TOKEN, PASSWORD, PASSWD, CREDENTIAL, PRIVATE_KEY,
// ACCESS_KEY or API_KEY (any case), such as AWS_SECRET_ACCESS_KEY or GITHUB_TOKEN. argus
// reads none of these after its configuration is loaded.
func Sensitive(name string) bool {
	upper := strings.ToUpper(name)
	if strings.HasPrefix(upper, "ARGUS_") {
		return true
	}
	for _, w := range credentialWords {
		if strings.Contains(upper, w) {
			return true
		}
	}
	return false
}
