package agentremote

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/atomicfile"
)

// Files in the state directory.
const (
	// StateFile holds the last fetched overlay (with its ETag, for the next conditional GET),
	// the last applied one (the last good copy) and the report back-off.
	StateFile = "agent-config.json"
	// InstanceIDFile holds this state directory's instance UUID.
	InstanceIDFile = "agent-instance-id"
)

// Overlay is one revision as GET /api/agent/config serves it.
type Overlay struct {
	Revision  int64           `json:"revision"`
	Overlay   json.RawMessage `json:"overlay"`
	CreatedAt *time.Time      `json:"created-at,omitempty"`
}

// State is what argus keeps between invocations.
type State struct {
	// ETag is the ETag of Fetched, sent back verbatim as If-None-Match.
	ETag    string    `json:"etag,omitempty"`
	Fetched *Overlay  `json:"fetched,omitempty"`
	At      time.Time `json:"fetched_at,omitzero"`
	// Applied is the last revision argus applied: the last good copy for an outage.
	Applied *Overlay `json:"applied,omitempty"`
	// ReportBackoffUntil holds reports back after a 409 (instance cap).
	ReportBackoffUntil time.Time `json:"report_backoff_until,omitzero"`
}

// Store reads and writes the state files of one state directory.
type Store struct{ Dir string }

// Load reads the state; a missing file is the empty state.
func (s Store) Load() (State, error) {
	path := filepath.Join(s.Dir, StateFile)
	b, err := os.ReadFile(path) //nolint:gosec // G304: argus's own state directory
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("read remote configuration state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("read %s: %w (delete it: argus then fetches the overlay again)", path, err)
	}
	return st, nil
}

// Save writes the state atomically.
func (s Store) Save(st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode remote configuration state: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(s.Dir, StateFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write remote configuration state: %w", err)
	}
	return nil
}

// InstanceID is the instance UUID of this state directory: created on first use, then the
// same for every invocation that uses the directory, so that one-shot runs do not each
// register a new instance against the API's per-agent cap.
func (s Store) InstanceID() (uuid.UUID, error) {
	path := filepath.Join(s.Dir, InstanceIDFile)
	b, err := os.ReadFile(path) //nolint:gosec // G304: argus's own state directory
	switch {
	case err == nil:
		id, perr := uuid.Parse(strings.TrimSpace(string(b)))
		if perr != nil {
			return uuid.Nil, fmt.Errorf("%s is not a UUID (%w): delete it to have argus make a new one (the control plane then sees a new instance)", path, perr)
		}
		return id, nil
	case errors.Is(err, fs.ErrNotExist):
		id := uuid.New()
		if werr := atomicfile.WriteFile(path, []byte(id.String()+"\n"), 0o600); werr != nil {
			return uuid.Nil, fmt.Errorf("write instance id: %w", werr)
		}
		return id, nil
	default:
		return uuid.Nil, fmt.Errorf("read instance id: %w", err)
	}
}
