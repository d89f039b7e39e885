package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// specHashVersion names the layout hashed by SpecHash. Change it whenever that layout
// changes, so the change is deliberate (every job becomes due once) rather than accidental.
const specHashVersion = "argus.job-spec.v1"

// SpecHash is a stable hex SHA-256 of everything that decides what a job does: its provider,
// config, subject, labels, timeout, env_allow and, for a CCF plugin, its policies, policy_data
// and policy_behavior. The scheduler reruns a job whose spec hash
// has changed, so an edited check runs at once rather than at its next scheduled time.
//
// The schedule is left out on purpose: it decides when a job runs, not what it does. With it
// in the hash, tuning a schedule (say "every 1h" to "every 6h") would rerun every touched job
// straight away, which is what a schedule edit must not do. The name is left out too: state
// is keyed by name, so a renamed job is a new job anyway.
//
// The config is canonicalised (keys sorted, no insignificant white space) and env_allow is
// sorted, so formatting and order never change the hash; nil and empty labels or env_allow
// hash alike.
func (j Job) SpecHash() string {
	labels := j.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	envAllow := slices.Clone(j.EnvAllow)
	if envAllow == nil {
		envAllow = []string{}
	}
	slices.Sort(envAllow)
	spec := struct {
		Version  string            `json:"v"`
		Provider string            `json:"provider"`
		Config   json.RawMessage   `json:"config"`
		Subject  Subject           `json:"subject"`
		Labels   map[string]string `json:"labels"`
		Timeout  int64             `json:"timeout_ns"`
		EnvAllow []string          `json:"env_allow"`
		// A CCF plugin job's own inputs; omitted when empty, so that the hash of every other
		// job is what it was before they existed.
		Policies       []string            `json:"policies,omitempty"`
		PolicyData     map[string]any      `json:"policy_data,omitempty"`
		PolicyBehavior map[string][]string `json:"policy_behavior,omitempty"`
	}{specHashVersion, j.Provider, canonicalJSON(j.Config), j.Subject, labels, int64(j.Timeout), envAllow,
		j.Policies, j.PolicyData, j.PolicyBehavior}
	b, err := json.Marshal(spec)
	if err != nil {
		// Every field above marshals; canonicalJSON returns valid JSON. Reaching this is a
		// programming error, not a condition a caller could handle.
		panic("config: marshal job spec: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalJSON re-marshals raw so that key order and white space do not matter (maps
// marshal with sorted keys; numbers keep their literal text). Raw that is not JSON, which
// Load never produces, is hashed as a JSON string of its bytes so the hash stays defined.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if b, err := json.Marshal(v); err == nil {
			return b
		}
	}
	b, _ := json.Marshal(string(raw))
	return b
}
