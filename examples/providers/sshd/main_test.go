package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/compliance-framework/argus/sdk"
	"github.com/google/go-cmp/cmp"
)

func TestAssess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sshd_config")
	if err := os.WriteFile(path, []byte("# comment\nPermitRootLogin no\npasswordauthentication=yes\nPermitRootLogin yes\nMatch User bob\n  X11Forwarding yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"path": path,
		"expect":   map[string]string{"PermitRootLogin": "no", "PasswordAuthentication": "no", "X11Forwarding": "no", "UsePAM": "yes"},
		"defaults": map[string]string{"UsePAM": "yes"}})
	resp, err := assess(context.Background(), sdk.Request{Protocol: 1, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sdk.Status{}
	for _, r := range resp.Results {
		got[r.Labels["directive"]] = r.Status
	}
	want := map[string]sdk.Status{"PermitRootLogin": sdk.StatusPass, "PasswordAuthentication": sdk.StatusFail,
		"X11Forwarding": sdk.StatusFail, "UsePAM": sdk.StatusPass}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if err := resp.Validate(); err != nil {
		t.Errorf("invalid response: %v", err)
	}
}

func TestAssessMissingFileIsAnErrorResult(t *testing.T) {
	cfg, _ := json.Marshal(map[string]any{"path": "/nonexistent/sshd_config", "expect": map[string]string{"A": "b"}})
	resp, err := assess(context.Background(), sdk.Request{Protocol: 1, Config: cfg})
	if err != nil || len(resp.Results) != 1 || resp.Results[0].Status != sdk.StatusError {
		t.Fatalf("assess = %+v, %v; want one error result", resp, err)
	}
}

func TestAssessRejectsEmptyExpect(t *testing.T) {
	if _, err := assess(context.Background(), sdk.Request{Protocol: 1}); err == nil {
		t.Fatal("assess without expect succeeded")
	}
}
