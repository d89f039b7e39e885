package agentconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// Request is one conversion.
type Request struct {
	// Path is the agent's config file. required
	Path string
}

// maxFileSize bounds what is read: an agent config is a few kilobytes.
const maxFileSize = 4 << 20

// ConvertFile reads the agent config at req.Path and returns the equivalent argus HCL. A file
// that cannot be converted gives an *Error listing every problem with its line and column.
func ConvertFile(req Request) ([]byte, error) {
	f, err := os.Open(req.Path)
	if err != nil {
		return nil, fmt.Errorf("read agent config: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only
	src, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read agent config %s: %w", req.Path, err)
	}
	if len(src) > maxFileSize {
		return nil, fmt.Errorf("read agent config %s: larger than %d MiB, which is not an agent config", req.Path, maxFileSize>>20)
	}
	return Convert(req.Path, src)
}

// Convert converts the agent config src, read from the file named filename (used in messages
// and comments only).
func Convert(filename string, src []byte) ([]byte, error) {
	if ext := strings.ToLower(filepath.Ext(filename)); ext == ".toml" {
		return nil, &Error{File: filename, Problems: []Problem{{Line: 1, Message: "the agent also reads TOML, but this converter reads YAML (and JSON) only. Rewrite the file as YAML (the keys are the same) and convert that."}}}
	}
	cfg, err := parse(filename, src)
	if err != nil {
		return nil, err
	}
	return write(filename, cfg), nil
}

// agentConfig is what the conversion needs of the agent's file.
type agentConfig struct {
	url                string
	clientID           string
	hasID, hasSecret   bool
	daemon             *string // as written; nil when absent
	verbosity          *string
	agentEvidence      bool
	agentEvidenceLines []string // the sub-keys set, as written
	plugins            []plugin
}

type plugin struct {
	name    string // lower-cased, as the agent names it
	raw     string // as written
	line    int
	source  string
	srcLine int

	protocolVersion int // 0 when not set: argus then reads the index annotation, like the agent
	schedule        string
	scheduleSet     bool
	policies        []string
	config          []kv
	labels          []kv
	policyData      *object // nil when absent
	policyBehavior  []behavior
}

type behavior struct {
	key    string
	values []string
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parse(filename string, src []byte) (*agentConfig, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: filename, Problems: []Problem{{Line: 1, Message: "the file is empty; an agent config needs at least api.url. Point at the agent's config.yaml."}}}
		}
		return nil, yamlError(filename, err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		return nil, &Error{File: filename, Problems: []Problem{{Line: second.Line, Column: second.Column,
			Message: "a second YAML document starts here; the agent reads only the first. Remove it, or split the file and convert each part."}}}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(filename, err)
	}

	r := &reader{}
	cfg := &agentConfig{}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = resolve(root.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		r.errorf(root, "", "the file is a %s, but an agent config is a mapping with api: and plugins:. Point at the agent's config.yaml.", kindName(root))
		return nil, &Error{File: filename, Problems: r.problems}
	}
	var apiSeen bool
	for _, e := range r.known(r.entries(root, ""), "", "api", "plugins", "agent_evidence", "daemon", "verbosity") {
		switch e.key {
		case "api":
			apiSeen = true
			r.api(cfg, e)
		case "plugins":
			r.plugins(cfg, e)
		case "agent_evidence":
			cfg.agentEvidence = true
			if v := resolve(e.value); v != nil && v.Kind == yaml.MappingNode {
				for _, s := range r.known(r.entries(v, "agent_evidence"), "agent_evidence", "enabled", "emit_on_run_completion", "interval") {
					if _, ok := r.scalar(s.value, "agent_evidence."+s.key); ok {
						cfg.agentEvidenceLines = append(cfg.agentEvidenceLines, fmt.Sprintf("%s: %s", s.key, resolve(s.value).Value))
					}
				}
			} else if !isNull(v) {
				r.errorf(v, "agent_evidence", "expected a mapping (enabled, emit_on_run_completion, interval), but this is a %s.", kindName(v))
			}
		case "daemon", "verbosity":
			if _, ok := r.scalar(e.value, e.key); ok {
				s := "null"
				if v := resolve(e.value); v != nil {
					s = v.Value
				}
				if e.key == "daemon" {
					cfg.daemon = &s
				} else {
					cfg.verbosity = &s
				}
			}
		}
	}
	if !apiSeen {
		r.errorf(root, "api", "the agent requires api.url (unless CCF_API_URL gave it). Add it to the file: api: {url: https://ccf.example.com}.")
	}
	if len(r.problems) > 0 {
		sort.SliceStable(r.problems, func(i, j int) bool {
			a, b := r.problems[i], r.problems[j]
			return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
		})
		return nil, &Error{File: filename, Problems: r.problems}
	}
	return cfg, nil
}

// parserErrors are the messages of the YAML library's parser (as opposed to its scanner). It
// reports their line 0-based, one less than the line it means.
var parserErrors = []string{
	"did not find expected key", "did not find expected node content", "did not find expected '-' indicator",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected <document start>",
	"found undefined tag handle", "found duplicate %YAML directive", "found incompatible YAML document",
	"found duplicate %TAG directive",
}

func yamlError(filename string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if contains(parserErrors, msg) {
			line++
		}
	}
	return &Error{File: filename, Problems: []Problem{{Line: max(line, 1), Message: "YAML syntax error near here: " + msg + ". Fix the YAML (the agent could not read it either)."}}}
}

func (r *reader) api(cfg *agentConfig, e entry) {
	v := resolve(e.value)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(v, "api", "expected a mapping with url (and auth), but this is a %s.", kindName(v))
		return
	}
	var urlSeen bool
	for _, a := range r.known(r.entries(v, "api"), "api", "url", "auth") {
		switch a.key {
		case "url":
			urlSeen = true
			s, ok := r.str(a.value, "api.url")
			if !ok {
				continue
			}
			s = strings.TrimSpace(s)
			if err := checkURL(s); err != nil {
				r.errorf(a.value, "api.url", "%v. Write the base URL of the Compliance Framework API, like https://ccf.example.com.", err)
				continue
			}
			cfg.url = s
		case "auth":
			r.auth(cfg, a)
		}
	}
	if !urlSeen {
		r.errorf(e.keyN, "api.url", "the agent requires api.url (unless CCF_API_URL gave it). Add url: https://ccf.example.com under api:.")
	}
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("the URL is empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not an absolute http:// or https:// URL", s)
	}
	if u.User != nil {
		return errors.New("the URL holds credentials, which argus does not take in a URL (they would be printed here); remove them and use api.auth")
	}
	return nil
}

func (r *reader) auth(cfg *agentConfig, a entry) {
	v := resolve(a.value)
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		r.errorf(v, "api.auth", "expected a mapping with client_id and client_secret, but this is a %s.", kindName(v))
		return
	}
	for _, c := range r.known(r.entries(v, "api.auth"), "api.auth", "client_id", "client_secret") {
		switch c.key {
		case "client_id":
			s, ok := r.str(c.value, "api.auth.client_id")
			if !ok {
				continue
			}
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if _, err := uuid.Parse(s); err != nil {
				r.errorf(c.value, "api.auth.client_id", "%q is not a UUID, and the agent requires one. Copy the agent's client id from the Compliance Framework API.", s)
				continue
			}
			cfg.clientID, cfg.hasID = s, true
		case "client_secret":
			// Read for its type only: the value is never kept, so it cannot be printed.
			if s, ok := r.str(c.value, "api.auth.client_secret"); ok && strings.TrimSpace(s) != "" {
				cfg.hasSecret = true
			}
		}
	}
}

var pluginKeys = []string{"source", "policies", "schedule", "config", "labels", "policy_data", "policy_behavior", "protocol_version"}

func (r *reader) plugins(cfg *agentConfig, e entry) {
	v := resolve(e.value)
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		r.errorf(v, "plugins", "expected a mapping of plugin names to their settings, but this is a %s.", kindName(v))
		return
	}
	for _, pe := range r.entries(v, "plugins") {
		path := "plugins." + pe.key
		pv := resolve(pe.value)
		if isNull(pv) {
			r.errorf(pe.keyN, path, "the plugin has no settings, which the agent refuses (\"null configuration\"). Give it at least a source, or remove it.")
			continue
		}
		if pv.Kind != yaml.MappingNode {
			r.errorf(pv, path, "expected the plugin's settings (source, policies, config, …), but this is a %s.", kindName(pv))
			continue
		}
		p := plugin{name: pe.key, raw: pe.raw, line: pe.keyN.Line}
		for _, f := range r.known(r.entries(pv, path), path, pluginKeys...) {
			fp := path + "." + f.key
			switch f.key {
			case "source":
				if s, ok := r.str(f.value, fp); ok {
					p.source = strings.TrimSpace(s)
					p.srcLine = f.keyN.Line
					if p.source == "" {
						r.errorf(f.value, fp, "the source is empty. Give the plugin's OCI reference (ghcr.io/compliance-framework/plugin-…:vX.Y.Z) or its path.")
					} else if untaggedRef(p.source) {
						r.errorf(f.value, fp, "%q has no tag, and the agent pulls only tagged references. Add the tag you ran (like :v1.2.3), or write a local path as ./%s.", p.source, p.source)
					}
				}
			case "policies":
				if list, ok := r.strList(f.value, fp); ok {
					for i, s := range list {
						switch {
						case strings.TrimSpace(s) == "":
							r.errorf(elemNode(f.value, i), fmt.Sprintf("%s[%d]", fp, i), "the policy source is empty. Give an OCI reference, a directory or a .tar.gz bundle, or remove the entry.")
						case untaggedRef(s):
							r.errorf(elemNode(f.value, i), fmt.Sprintf("%s[%d]", fp, i), "%q has no tag, and the agent pulls only tagged references. Add the tag you ran (like :v0.3.1), or write a local path as ./%s.", s, s)
						}
					}
					p.policies = list
				}
			case "schedule":
				if isNull(f.value) {
					continue // the agent's default
				}
				if s, ok := r.str(f.value, fp); ok {
					p.schedule, p.scheduleSet = s, true
					if _, _, err := convertSchedule(s); err != nil {
						r.errorf(f.value, fp, "%v", err)
					}
				}
			case "protocol_version":
				s, ok := r.str(f.value, fp)
				if !ok {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || (n != 1 && n != 2) {
					r.errorf(f.value, fp, "protocol_version is %q, but the agent accepts only 1 or 2. Set 1 or 2, or remove it to read the plugin's org.ccf.plugin.protocol.version annotation.", s)
					continue
				}
				p.protocolVersion = n
			case "config":
				p.config, _ = r.strMap(f.value, fp)
			case "labels":
				p.labels, _ = r.strMap(f.value, fp)
			case "policy_data":
				fv := resolve(f.value)
				if isNull(fv) || (fv.Kind == yaml.SequenceNode && len(fv.Content) == 0) {
					continue
				}
				if fv.Kind != yaml.MappingNode {
					r.errorf(fv, fp, "expected a mapping (the data policies read as data.<key>), but this is a %s.", kindName(fv))
					continue
				}
				if val, ok := r.value(fv, fp, 0); ok {
					if obj, _ := val.(*object); obj != nil {
						p.policyData = obj
						r.checkNumbers(fv, fp, obj)
					}
				}
			case "policy_behavior":
				p.policyBehavior = r.behavior(f.value, fp)
			}
		}
		if p.source == "" && !hasKey(pv, "source") {
			r.errorf(pe.keyN, path+".source", "the plugin has no source, so the agent cannot run it. Add source: with its OCI reference or path.")
		}
		cfg.plugins = append(cfg.plugins, p)
	}
}

// elemNode is the i-th element of a sequence node, or the node itself when it is a scalar
// (which the agent lifts into a list of one).
func elemNode(n *yaml.Node, i int) *yaml.Node {
	n = resolve(n)
	if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

func hasKey(n *yaml.Node, key string) bool {
	n = resolve(n)
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if strings.EqualFold(resolve(n.Content[i]).Value, key) {
			return true
		}
	}
	return false
}

func (r *reader) behavior(n *yaml.Node, path string) []behavior {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, path, "expected a mapping of names to lists of strings (like skip: [rule-a]), but this is a %s.", kindName(n))
		return nil
	}
	var out []behavior
	for _, e := range r.entries(n, path) {
		list, ok := r.strList(e.value, join(path, e.key))
		if ok {
			out = append(out, behavior{key: e.key, values: list})
		}
	}
	return out
}

// checkNumbers reports policy data numbers that HCL cannot write (NaN and infinities).
func (r *reader) checkNumbers(n *yaml.Node, path string, v any) {
	bad := false
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case float64:
			if x != x || x > 1.7976931348623157e308 || x < -1.7976931348623157e308 {
				bad = true
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case *object:
			for _, e := range x.entries {
				walk(e.value)
			}
		}
	}
	walk(v)
	if bad {
		r.errorf(n, path, "the data holds .nan or .inf, which argus's configuration (and JSON) cannot express. Use a string or a large finite number.")
	}
}
