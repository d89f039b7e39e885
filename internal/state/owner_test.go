package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Issue 15 item 8: two configurations sharing a state directory.
func TestClaim(t *testing.T) {
	dir := t.TempDir()
	open := func() *Store {
		t.Helper()
		s, err := Open(context.Background(), dir, time.Second, "test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a := Owner{ControlPlane: "https://a.example.com", Config: "/w/a.hcl"}
	s := open()
	if w, err := s.Claim(a); w != nil || err != nil {
		t.Fatalf("first claim: %v, %v", w, err)
	}
	if w, err := s.Claim(Owner{ControlPlane: "https://a.example.com", Config: "/w/a.hcl"}); w != nil || err != nil {
		t.Fatalf("same owner again: %v, %v", w, err)
	}
	// Another control plane: refused, and the record is unchanged.
	var oe *OwnerError
	if _, err := s.Claim(Owner{ControlPlane: "https://b.example.com", Config: "/w/b.hcl"}); !errors.As(err, &oe) {
		t.Fatalf("other control plane: %v, want an OwnerError", err)
	}
	if !strings.Contains(oe.Error(), "belongs to control plane https://a.example.com") {
		t.Errorf("error: %v", oe)
	}
	// Another configuration of the same control plane: a warning, and it is recorded.
	w, err := s.Claim(Owner{ControlPlane: "https://a.example.com", Config: "/w/c.hcl"})
	if err != nil || w == nil || !strings.Contains(w.Error(), "last used by configuration /w/a.hcl") {
		t.Fatalf("other configuration: %v, %v; want a warning naming /w/a.hcl", w, err)
	}
	// A configuration without a control plane does not erase the record.
	if _, err := s.Claim(Owner{Config: "/w/d.hcl"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(Owner{ControlPlane: "https://b.example.com", Config: "/w/b.hcl"}); !errors.As(err, &oe) {
		t.Fatalf("after a configuration without control plane: %v, want an OwnerError", err)
	}
	// A damaged record is claimed anew with a warning.
	if err := os.WriteFile(filepath.Join(dir, OwnerFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Claim(a); err != nil || w == nil {
		t.Fatalf("damaged record: %v, %v; want a warning", w, err)
	}
}

// On a full disk the owner record is a warning, not a failure (issue 15 item 11): the
// commands that free space must still run. A directory in its place stands in for ENOSPC.
func TestClaimUnwritableIsAWarning(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, time.Second, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := os.Mkdir(filepath.Join(dir, OwnerFile), 0o700); err != nil {
		t.Fatal(err)
	}
	w, err := s.Claim(Owner{ControlPlane: "https://a.example.com", Config: "/w/a.hcl"})
	if err != nil || w == nil {
		t.Errorf("Claim = %v, %v; want a warning and no error", w, err)
	}
}
