package agentremote

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Document is the agent's configuration file format (snake_case JSON) as far as argus reads
// it: the base argus projects its jobs into, the overlay's target, and the effective result.
// api, daemon and remote_config are locked: an overlay may never set them, and argus never
// reads them from one.
type Document struct {
	Daemon        bool               `json:"daemon"`
	Verbosity     int                `json:"verbosity,omitempty"`
	AgentEvidence map[string]any     `json:"agent_evidence,omitempty"`
	Plugins       map[string]*Plugin `json:"plugins"`
}

// Plugin is one entry of plugins: in argus, one job.
type Plugin struct {
	Enabled         *bool   `json:"enabled,omitempty"`
	ProtocolVersion int     `json:"protocol_version,omitempty"`
	Schedule        *string `json:"schedule,omitempty"`
	Source          string  `json:"source"`
	// Policies are the job's policy sources (CCF plugins only).
	Policies []string `json:"policies,omitempty"`
	// Config is the agent's map of strings for a CCF plugin; argus's own providers take any
	// JSON value, so the values are kept as decoded JSON.
	Config         map[string]any      `json:"config,omitempty"`
	Labels         map[string]string   `json:"labels,omitempty"`
	PolicyData     map[string]any      `json:"policy_data,omitempty"`
	PolicyBehavior map[string][]string `json:"policy_behavior,omitempty"`
}

// IsEnabled reports whether the plugin runs: an unset enabled means it does.
func (p *Plugin) IsEnabled() bool { return p != nil && (p.Enabled == nil || *p.Enabled) }

// LockedKeys are the top-level keys only the host sets.
var LockedKeys = []string{"api", "daemon", "remote_config"}

// Marshal encodes d (map keys sorted, so the same document is always the same bytes).
func (d Document) Marshal() ([]byte, error) {
	if d.Plugins == nil {
		d.Plugins = map[string]*Plugin{}
	}
	return json.Marshal(d)
}

// ParseDocument decodes a document strictly: an unknown key or a wrong type is an error that
// names the path, since applying a half-understood configuration is worse than refusing it.
func ParseDocument(b []byte) (Document, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("agent configuration: %w", err)
	}
	for name, p := range d.Plugins {
		if p == nil {
			delete(d.Plugins, name)
		}
	}
	return d, nil
}

// Merge applies the overlay to base. Locked keys in the overlay are dropped first (the
// classification reports them as forbidden), so the host's values always stand.
func Merge(base Document, overlay []byte) (Document, error) {
	raw, err := decode(overlay)
	if err != nil {
		return Document{}, fmt.Errorf("overlay: %w", err)
	}
	obj, ok := raw.(map[string]any)
	if raw != nil && !ok {
		return Document{}, fmt.Errorf("overlay: not a JSON object")
	}
	obj = shallowCopy(obj)
	for _, k := range LockedKeys {
		delete(obj, k)
	}
	patch, err := json.Marshal(obj)
	if err != nil {
		return Document{}, fmt.Errorf("overlay: %w", err)
	}
	b, err := base.Marshal()
	if err != nil {
		return Document{}, fmt.Errorf("base configuration: %w", err)
	}
	merged, err := MergePatch(b, patch)
	if err != nil {
		return Document{}, err
	}
	return ParseDocument(merged)
}

// sameJSON compares two values as JSON documents, so that 4, 4.0 and json.Number("4") agree
// and an empty map equals an absent one.
func sameJSON(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true // the common case, without encoding
	}
	na, nb := normalize(a), normalize(b)
	return reflect.DeepEqual(na, nb)
}

func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	d, err := decode(b)
	if err != nil {
		return v
	}
	return canon(d)
}

// canon turns numbers into their float64 reading and empty containers into nil.
func canon(v any) any {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = canon(x)
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = canon(x)
		}
		return out
	}
	return v
}

var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// Pointer builds an RFC 6901 JSON pointer from tokens.
func Pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(pointerEscape.Replace(t))
	}
	return b.String()
}

func sortedKeys[V any](ms ...map[string]V) []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
