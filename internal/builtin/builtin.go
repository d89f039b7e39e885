package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/compliance-framework/argus/sdk"
)

// Names of the built-in providers, as a job's `provider` attribute spells them.
const (
	CommandName = "builtin/command"
	FileName    = "builtin/file"
	HTTPName    = "builtin/http"
)

// Lookup returns the production handler of a built-in provider by its full name
// ("builtin/file"), or false when there is no such built-in provider.
func Lookup(name string) (sdk.Handler, bool) {
	switch name {
	case CommandName:
		return NewCommand(nil), true
	case FileName:
		return NewFile(nil), true
	case HTTPName:
		return NewHTTP(nil), true
	}
	return nil, false
}

// Names lists the built-in providers, sorted. The slice is the caller's to keep.
func Names() []string {
	return []string{CommandName, FileName, HTTPName}
}

// controlLabel is the job label whose comma-separated value lists the controls a result covers.
const controlLabel = "control"

// controls returns the controls named by the job's "control" label, trimmed, without empties.
func controls(req sdk.Request) []string {
	var out []string
	for c := range strings.SplitSeq(req.Job.Labels[controlLabel], ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// verdict collects the outcome of each check of one job and turns it into one result.
type verdict struct {
	held    []string // checks that hold, for the pass reason
	failed  []string // checks that do not hold, each saying what was seen and what was wanted
	errored []string // checks that could not be performed, each saying why
	skipped string   // why nothing applies (an optional path that is absent)
}

// skip records that the checks do not apply to this subject at all.
func (v *verdict) skip(format string, args ...any) {
	v.skipped = fmt.Sprintf(format, args...)
}

func (v *verdict) pass(format string, args ...any) {
	v.held = append(v.held, fmt.Sprintf(format, args...))
}
func (v *verdict) fail(format string, args ...any) {
	v.failed = append(v.failed, fmt.Sprintf(format, args...))
}

// unchecked records a check that could not be performed, and why.
func (v *verdict) unchecked(format string, args ...any) {
	v.errored = append(v.errored, fmt.Sprintf(format, args...))
}

// result builds the job's one result. A definite failure makes it fail even when other checks
// could not be performed (they are named in the reason); otherwise any unperformed check makes it
// an error; otherwise it passes.
func (v *verdict) result(req sdk.Request, title, description string, obs sdk.Observation) sdk.Result {
	res := sdk.Result{
		Title:        title,
		Description:  description,
		Observations: []sdk.Observation{obs},
		Controls:     controls(req),
	}
	var reasons []string
	reasons = append(reasons, v.failed...)
	for _, e := range v.errored {
		reasons = append(reasons, "could not check: "+e)
	}
	switch {
	case len(v.failed) > 0:
		res.Status = sdk.StatusFail
	case len(v.errored) > 0:
		res.Status = sdk.StatusError
	case v.skipped != "":
		res.Status = sdk.StatusSkip
		reasons = []string{v.skipped}
	default:
		res.Status = sdk.StatusPass
		reasons = v.held
	}
	res.Reason = strings.Join(reasons, "; ")
	return res
}

// configError is a misconfigured job: the result says what to fix, the provider still exits 0.
func configError(req sdk.Request, provider, title string, err error) sdk.Response {
	return sdk.Response{Results: []sdk.Result{{
		Title:    title,
		Status:   sdk.StatusError,
		Reason:   fmt.Sprintf("invalid config for %s in job %q: %v", provider, req.Job.Name, err),
		Controls: controls(req),
	}}}
}

// decodeConfig decodes the job's config into v and, when a key is unknown, lists the valid ones.
func decodeConfig(req sdk.Request, v any, keys []string) error {
	if err := req.DecodeConfig(v); err != nil {
		// Best effort, so that the result's title can still name the path, command or URL.
		_ = json.Unmarshal(req.Config, v)
		if strings.Contains(err.Error(), "unknown field") {
			return fmt.Errorf("%w (valid keys: %s)", err, strings.Join(keys, ", "))
		}
		return err
	}
	return nil
}

// compileRegexp compiles a config regexp, naming the key when it is invalid.
func compileRegexp(key string, expr *string) (*regexp.Regexp, error) {
	if expr == nil {
		return nil, nil
	}
	re, err := regexp.Compile(*expr)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid regular expression (Go RE2 syntax): %w", key, err)
	}
	return re, nil
}

// excerptLimit bounds every piece of provider output or file content copied into evidence.
const excerptLimit = 4 << 10

// excerpt returns at most excerptLimit bytes of b as valid UTF-8, marking a cut.
func excerpt(b []byte) string {
	return excerptN(b, excerptLimit)
}

func excerptN(b []byte, n int) string {
	cut := len(b) > n
	if cut {
		b = b[:n]
		// Do not split a multi-byte character: drop at most the 3 bytes of a cut one.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size != 1 {
				break
			}
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if cut {
		s += "…[truncated]"
	}
	return s
}

// cappedBuffer keeps the first max bytes written to it and counts the rest, never failing a
// write, so that a chatty child process is never blocked or killed by a full pipe.
type cappedBuffer struct {
	max   int
	buf   []byte
	total int64
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// truncated reports whether bytes were written beyond max.
func (c *cappedBuffer) truncated() bool { return c.total > int64(len(c.buf)) }

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// matchCheck evaluates a regexp check on data that may have been cut at limit bytes. A match in
// the part that was read is conclusive either way; no match in a cut read is not, so that case is
// an unperformed check rather than a guess. It returns an excerpt of the match, or "".
func matchCheck(v *verdict, what, key string, re *regexp.Regexp, mustMatch bool, data []byte, truncated bool) string {
	loc := re.FindIndex(data)
	var found string
	if loc != nil {
		found = excerptN(data[loc[0]:loc[1]], 256)
	}
	switch {
	case mustMatch && loc != nil:
		v.pass("%s matches %s %q", what, key, re)
	case !mustMatch && loc != nil:
		v.fail("%s matches %s %q (found %q)", what, key, re, found)
	case truncated:
		v.unchecked("%s %q: no match in the first %d bytes of %s and the rest was not read", key, re, len(data), what)
	case mustMatch:
		v.fail("%s does not match %s %q", what, key, re)
	default:
		v.pass("%s does not match %s %q", what, key, re)
	}
	return found
}

// joinErrors joins every configuration problem into one line, so that one run reports them all.
func joinErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ConfigKeys lists the `config` keys the built-in provider name accepts and the one it requires,
// so that `argus validate` can check a job's config without running it. ok is false for a name
// that is not a built-in provider.
func ConfigKeys(name string) (keys []string, required string, ok bool) {
	switch name {
	case CommandName:
		return slices.Clone(commandKeys), "command", true
	case FileName:
		return slices.Clone(fileKeys), "path", true
	case HTTPName:
		return slices.Clone(httpKeys), "url", true
	}
	return nil, "", false
}
