package runner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// HoldToken registers a job token for processes argus starts outside a Runner (a CCF plugin,
// which package ccfplugin/host starts through go-plugin). Put the returned "NAME=VALUE" in
// their environment: while the token is held, the sweep that ends every argus-protocol job
// spares them instead of killing them as children of argus that belong to no job. release
// ends the hold; whatever still carries the token after it is an orphan for the next sweep.
func HoldToken() (env string, release func(), err error) {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", nil, fmt.Errorf("generate job token: %w", err)
	}
	token := hex.EncodeToString(buf[:])
	t := children
	t.mu.RLock()
	t.regMu.Lock()
	t.tokens[token] = true
	t.regMu.Unlock()
	t.mu.RUnlock()
	return jobTokenVar + "=" + token, func() {
		t.mu.Lock()
		delete(t.tokens, token)
		t.mu.Unlock()
	}, nil
}
