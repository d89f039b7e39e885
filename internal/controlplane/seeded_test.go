package controlplane

import (
	"encoding/json"
	"os"
	"testing"
)

// The vectors were computed once by running the API's own sdk.SeededUUID (v0.16.0) in a
// throwaway program outside this repository; the test compares against them without importing
// any AGPL code.
func TestSeededUUIDMatchesAPIVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/seeded_uuid_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Labels map[string]string `json:"labels"`
		UUID   string            `json:"uuid"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	if len(vectors) < 5 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	for _, v := range vectors {
		if got := SeededUUID(v.Labels).String(); got != v.UUID {
			t.Errorf("SeededUUID(%v) = %s, want %s", v.Labels, got, v.UUID)
		}
	}
}

func TestSeededUUIDIgnoresMapOrder(t *testing.T) {
	a := map[string]string{}
	b := map[string]string{}
	keys := []string{"z", "a", "m", "_job", "_title", "b"}
	for i, k := range keys {
		a[k] = k + "v"
		b[keys[len(keys)-1-i]] = keys[len(keys)-1-i] + "v"
	}
	for range 20 {
		if SeededUUID(a) != SeededUUID(b) {
			t.Fatal("same labels gave different UUIDs")
		}
	}
	b["z"] = "other"
	if SeededUUID(a) == SeededUUID(b) {
		t.Fatal("different labels gave the same UUID")
	}
}
