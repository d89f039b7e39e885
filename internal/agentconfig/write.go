package agentconfig

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/exitcode"
)

// SecretEnv is the variable the control_plane block reads the client secret from. It is an
// ARGUS_* variable, which argus never passes to a plugin or provider.
const SecretEnv = "ARGUS_CLIENT_SECRET" //nolint:gosec // G101: the name of the variable that holds the secret, not a secret

// idEnv is where the client id comes from when the agent's file has a secret but no id (the
// agent then took it from CCF_API_AUTH_CLIENT_ID).
const idEnv = "ARGUS_CLIENT_ID"

// secretKeyRe matches plugin config keys whose values are credentials: those are written as
// env() references instead of literals, because the HCL is meant to be committed.
var secretKeyRe = regexp.MustCompile(`(?i)(password|passwd|passphrase|secret|token|api_?key|private_?key|credential)`)

var (
	// bareKeyRe is an object key HCL reads literally without quotes.
	bareKeyRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	envUnsafe  = regexp.MustCompile(`[^A-Z0-9_]+`)
	nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	// ociRefRe is an OCI reference with a tag or a digest, as the OCI distribution grammar
	// writes it: [host[:port]/]path[:tag][@digest].
	ociRefRe = regexp.MustCompile(`^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?/)?` +
		`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
		`(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)
)

// isOCI reports whether an agent source is an OCI reference rather than a path. The agent
// accepts only tagged references; a digest is accepted too because argus takes it.
func isOCI(s string) bool {
	if strings.HasPrefix(s, "oci-layout://") {
		return true
	}
	return ociRefRe.MatchString(s) && (strings.Contains(s, "@") || strings.Contains(s[strings.LastIndex(s, "/")+1:], ":"))
}

// untaggedRef reports whether s reads as a registry reference without a tag or digest, such
// as "ghcr.io/compliance-framework/plugin-local-ssh": the agent accepts only tagged ones, so
// it could not have pulled it, and read as a path it would name a directory "ghcr.io".
func untaggedRef(s string) bool {
	if isOCI(s) || isLocalPath(s) || !ociRefRe.MatchString(s) {
		return false
	}
	host, _, found := strings.Cut(s, "/")
	return found && (strings.ContainsAny(host, ".:") || host == "localhost")
}

func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")
}

type writer struct {
	buf bytes.Buffer
}

func (w *writer) line(indent int, format string, args ...any) {
	w.buf.WriteString(strings.Repeat("  ", indent))
	fmt.Fprintf(&w.buf, format, args...)
	w.buf.WriteByte('\n')
}

// comment writes a comment line. Text that came from the file is quoted with q, so a newline
// in it cannot end the comment and start HCL.
func (w *writer) comment(indent int, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	text = strings.NewReplacer("\r", " ", "\n", " ").Replace(text)
	if text == "" {
		w.line(indent, "#")
		return
	}
	w.line(indent, "# %s", text)
}

// q quotes text from the agent's file for a comment.
func q(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strconv.Quote(s)
}

func write(filename string, cfg *agentConfig) []byte {
	w := &writer{}
	base := filepath.Base(filename)
	w.comment(0, "argus configuration converted from %s by \"argus convert agent-config\".", q(base))
	w.comment(0, "Review it, save it as a *.argus.hcl file, run \"argus init\" (it pulls every plugin and policy")
	w.comment(0, "and pins their digests in argus.lock.hcl: commit both) and then \"argus assess\".")
	w.comment(0, "")
	w.comment(0, "Where argus differs from the agent:")
	w.comment(0, "- Each job runs under a timeout (default 5m; set timeout = \"…\" in a job): the agent had none.")
	w.comment(0, "- Jobs run in parallel (--parallel), and one plugin's failure is an error result (exit %d)", exitcode.Incomplete)
	w.comment(0, "  while the other jobs go on: the agent ran plugins one by one and stopped at the first error.")
	w.comment(0, "- A plugin gets PATH, HOME, TMPDIR, LANG, HOSTNAME and its job's env_allow only, never argus's")
	w.comment(0, "  ARGUS_* variables: the agent passed its whole environment.")
	w.comment(0, "- The agent also read CCF_* environment variables over its file (CCF_API_URL, CCF_API_AUTH_*,")
	w.comment(0, "  …); this conversion used the file only.")
	w.notConverted(cfg)
	w.buf.WriteByte('\n')
	w.controlPlane(cfg)
	names := map[string]bool{}
	for _, p := range cfg.plugins {
		w.buf.WriteByte('\n')
		w.plugin(base, p, names)
	}
	out := hclwrite.Format(w.buf.Bytes())
	return out
}

func (w *writer) notConverted(cfg *agentConfig) {
	if cfg.daemon != nil {
		w.comment(0, "")
		w.comment(0, "daemon: %s has no equivalent: argus runs once and exits. Run \"argus assess\" from cron, a", *cfg.daemon)
		w.comment(0, "systemd timer or CI; each run executes the jobs whose schedule came round since they last ran.")
	}
	if cfg.verbosity != nil {
		level := "info"
		if n, err := strconv.Atoi(*cfg.verbosity); err == nil && n > 0 {
			level = "debug"
		}
		w.comment(0, "")
		w.comment(0, "verbosity: %s has no equivalent in the configuration: pass --log-level %s (or set", *cfg.verbosity, level)
		w.comment(0, "ARGUS_LOG_LEVEL=%s); a plugin's log lines are re-logged at their own level.", level)
	}
	if cfg.agentEvidence {
		w.comment(0, "")
		w.comment(0, "agent_evidence (%s) has no equivalent: argus posts no run evidence about", strings.Join(quoteAll(cfg.agentEvidenceLines), ", "))
		w.comment(0, "itself. It sends a heartbeat per run, a failed plugin becomes an error result delivered as")
		w.comment(0, "not-satisfied evidence in its job's stream, and the exit code says how the run went.")
	}
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = q(s)
	}
	if len(out) == 0 {
		return []string{"defaults"}
	}
	return out
}

func (w *writer) controlPlane(cfg *agentConfig) {
	w.line(0, "control_plane {")
	w.line(1, "url = %s", str(cfg.url))
	switch {
	case cfg.hasID && cfg.hasSecret:
		w.line(1, "client_id = %s", str(cfg.clientID))
		w.comment(1, "Set %s to the agent's client_secret (from its config.yaml or", SecretEnv)
		w.comment(1, "CCF_API_AUTH_CLIENT_SECRET). argus redacts it from every output and never passes it on.")
		w.line(1, "client_secret = env(%s)", str(SecretEnv))
	case cfg.hasSecret:
		w.comment(1, "The file has a client_secret but no client_id: the agent took the id from")
		w.comment(1, "CCF_API_AUTH_CLIENT_ID. Set %s and %s.", idEnv, SecretEnv)
		w.line(1, "client_id = env(%s)", str(idEnv))
		w.line(1, "client_secret = env(%s)", str(SecretEnv))
	case cfg.hasID:
		w.line(1, "client_id = %s", str(cfg.clientID))
		w.comment(1, "The file has a client_id but no client_secret: the agent took it from")
		w.comment(1, "CCF_API_AUTH_CLIENT_SECRET. Set %s to it.", SecretEnv)
		w.line(1, "client_secret = env(%s)", str(SecretEnv))
	default:
		w.comment(1, "No api.auth in the agent's file: anonymous, as the agent was. For an authenticated agent add")
		w.comment(1, "client_id = \"<uuid>\" and client_secret = env(%q).", SecretEnv)
	}
	w.line(0, "}")
}

// argusName makes the agent's plugin name a valid, unused argus name.
func argusName(name string, used map[string]bool) string {
	n := nameUnsafe.ReplaceAllString(name, "-")
	if n == "" || !config.ValidName(n) {
		n = "plugin-" + strings.TrimLeft(n, "-_.")
		n = strings.TrimRight(n, "-")
		if !config.ValidName(n) {
			n = "plugin"
		}
	}
	candidate := n
	for i := 2; used[candidate]; i++ {
		candidate = fmt.Sprintf("%s-%d", n, i)
	}
	used[candidate] = true
	return candidate
}

func (w *writer) plugin(file string, p plugin, used map[string]bool) {
	name := argusName(p.name, used)
	w.comment(0, "plugins.%s (%s:%d)", p.raw, file, p.line)
	if p.raw != p.name {
		w.comment(0, "The agent ignores the case of keys: it named this plugin %s.", q(p.name))
	}
	if name != p.name {
		w.comment(0, "%s is not a valid argus name (letters, digits, '-', '_', '.'), so the job is %s;", q(p.name), q(name))
		w.comment(0, "the agent labelled this plugin's evidence _plugin = %s.", q(p.name))
	}
	w.line(0, "provider %s {", str(name))
	source := p.source
	switch {
	case isOCI(source):
	case isLocalPath(source):
		w.comment(1, "A local plugin: argus resolves a relative path against this file's directory, the agent")
		w.comment(1, "against its working directory. The executable is the file, or \"plugin\" in the directory.")
	default:
		source = "./" + source
		w.comment(1, "A local plugin (the agent's %s, relative to its working directory): argus resolves", q(p.source))
		w.comment(1, "it against this file's directory. The executable is the file, or \"plugin\" in the directory.")
	}
	w.line(1, "source = %s", str(source))
	w.line(1, "kind = %s", str("ccf-plugin"))
	if p.protocolVersion != 0 {
		w.line(1, "protocol_version = %d", p.protocolVersion)
	}
	w.line(0, "}")
	w.buf.WriteByte('\n')

	w.line(0, "job %s {", str(name))
	w.line(1, "provider = %s", str(name))
	sched, _, _ := convertSchedule(agentDefaultSchedule)
	var notes []string
	if p.scheduleSet {
		sched, notes, _ = convertSchedule(p.schedule) // checked when the file was read
		if sched != strings.TrimSpace(p.schedule) {
			notes = append([]string{"converted from the agent's " + q(p.schedule)}, notes...)
		}
	} else {
		notes = []string{"the agent's default schedule"}
	}
	for _, n := range notes {
		w.comment(1, "%s.", strings.ToUpper(n[:1])+n[1:])
	}
	w.line(1, "schedule = %s", str(sched))
	w.comment(1, "env_allow = [\"…\"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment")
	if len(p.policies) > 0 {
		local := false
		for _, s := range p.policies {
			if !isOCI(s) && !filepath.IsAbs(s) {
				local = true
			}
		}
		if local {
			w.comment(1, "Local policy paths are as the agent had them (relative to its working directory): the path")
			w.comment(1, "is part of the plugin's stream UUIDs. argus resolves them against this file's directory.")
		}
		parts := make([]string, len(p.policies))
		for i, s := range p.policies {
			parts[i] = str(s)
		}
		w.line(1, "policies = [%s]", strings.Join(parts, ", "))
	}
	w.config(name, p)
	if p.policyData != nil {
		if d := dropped(p.policyData, ""); len(d) > 0 {
			w.comment(1, "Left out of policy_data, as the agent's loader drops nulls and empty mappings: %s.", strings.Join(d, ", "))
		}
		if len(p.policyData.entries) > 0 {
			w.line(1, "policy_data = %s", value(p.policyData, 1))
		}
	}
	if len(p.policyBehavior) > 0 {
		w.line(1, "policy_behavior = {")
		for _, b := range p.policyBehavior {
			parts := make([]string, len(b.values))
			for i, s := range b.values {
				parts[i] = str(s)
			}
			w.line(2, "%s = [%s]", key(b.key), strings.Join(parts, ", "))
		}
		w.line(1, "}")
	}
	w.labels(p)
	w.line(0, "}")
}

func (w *writer) config(name string, p plugin) {
	if len(p.config) == 0 {
		return
	}
	w.comment(1, "The plugin receives every value as a string, exactly as the agent sent it.")
	w.line(1, "config = {")
	for _, c := range p.config {
		if c.null {
			w.comment(2, "%s is left out: its value is null, and the agent's loader drops such keys.", q(c.key))
			continue
		}
		if c.raw != c.key {
			w.comment(2, "The agent lower-cased the key %s to %s.", q(c.raw), q(c.key))
		}
		if secretKeyRe.MatchString(c.key) && c.value != "" {
			env := envName(name, c.key)
			w.comment(2, "Set %s to the value of plugins.%s.config.%s (line %d): a secret is not written here.", env, p.raw, c.raw, c.line)
			w.line(2, "%s = env(%s)", key(c.key), str(env))
			continue
		}
		if c.fromBool {
			w.comment(2, "The agent sent YAML %s as %s.", map[string]string{"1": "true", "0": "false"}[c.value], q(c.value))
		}
		w.line(2, "%s = %s", key(c.key), str(c.value))
	}
	w.line(1, "}")
}

// envName is the variable a secret plugin config value is read from: the name the agent's
// own environment override has for that key (CCF_PLUGINS_<NAME>_CONFIG_<KEY>), made a valid
// variable name.
func envName(plugin, k string) string {
	return "CCF_PLUGINS_" + envUnsafe.ReplaceAllString(strings.ToUpper(plugin), "_") + "_CONFIG_" + envUnsafe.ReplaceAllString(strings.ToUpper(k), "_")
}

func (w *writer) labels(p plugin) {
	var kept []kv
	for _, l := range p.labels {
		if l.null {
			w.comment(1, "Label %s is left out: its value is null, and the agent's loader drops such keys.", q(l.key))
			continue
		}
		if l.key == "" || strings.HasPrefix(l.key, "_") {
			w.comment(1, "Label %s = %s is left out: argus reserves names starting with '_' (and needs a name).", q(l.key), q(l.value))
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == 0 {
		return
	}
	w.line(1, "labels = {")
	for _, l := range kept {
		if l.raw != l.key {
			w.comment(2, "The agent lower-cased the label %s to %s.", q(l.raw), q(l.key))
		}
		w.line(2, "%s = %s", key(l.key), str(l.value))
	}
	w.line(1, "}")
}

// dropped lists the dotted paths of the keys left out of a policy data tree.
func dropped(o *object, prefix string) []string {
	var out []string
	for _, k := range o.dropped {
		out = append(out, q(prefix+k))
	}
	for _, e := range o.entries {
		if c, ok := e.value.(*object); ok {
			out = append(out, dropped(c, prefix+e.key+".")...)
		}
	}
	return out
}

// str is s as an HCL string literal (with ${ and %{ escaped).
func str(s string) string {
	return string(hclwrite.TokensForValue(cty.StringVal(s)).Bytes())
}

// key is an object key: bare when HCL reads it literally, quoted otherwise.
func key(k string) string {
	switch k {
	case "true", "false", "null", "for", "in", "if":
	default:
		if bareKeyRe.MatchString(k) {
			return k
		}
	}
	return str(k)
}

// value writes a policy data tree as an HCL expression, objects over several lines.
func value(v any, indent int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return str(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return string(hclwrite.TokensForValue(cty.NumberFloatVal(x)).Bytes())
	case []any:
		if len(x) == 0 {
			return "[]"
		}
		var b strings.Builder
		b.WriteString("[\n")
		for _, e := range x {
			b.WriteString(strings.Repeat("  ", indent+1))
			b.WriteString(value(e, indent+1))
			b.WriteString(",\n")
		}
		b.WriteString(strings.Repeat("  ", indent) + "]")
		return b.String()
	case *object:
		if len(x.entries) == 0 {
			return "{}"
		}
		var b strings.Builder
		b.WriteString("{\n")
		for _, e := range x.entries {
			b.WriteString(strings.Repeat("  ", indent+1))
			b.WriteString(key(e.key) + " = " + value(e.value, indent+1) + "\n")
		}
		b.WriteString(strings.Repeat("  ", indent) + "}")
		return b.String()
	}
	return str(fmt.Sprint(v))
}
