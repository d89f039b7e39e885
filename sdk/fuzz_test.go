package sdk

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecodeResponse checks that no provider output can make DecodeResponse panic, and that
// whatever it accepts is a valid response that survives a round trip through JSON unchanged
// (argus stores and re-reads results from its outbox), up to empty versus absent lists and maps,
// which omitempty cannot tell apart. Seeds live in testdata/fuzz/FuzzDecodeResponse.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"results":[{"title":"a","status":"pass"}]}`))
	f.Add([]byte(`{"results":[{"title":"a","status":"pass"}]} x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := DecodeResponse(data)
		if err != nil {
			return
		}
		if err := resp.Validate(); err != nil {
			t.Fatalf("DecodeResponse accepted %q, which does not validate: %v", data, err)
		}
		again, err := json.Marshal(resp)
		if err != nil {
			t.Fatalf("re-encode accepted response: %v", err)
		}
		resp2, err := DecodeResponse(again)
		if err != nil {
			t.Fatalf("DecodeResponse rejects its own re-encoded output %s: %v", again, err)
		}
		if diff := cmp.Diff(resp, resp2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the response (-first +second):\n%s", diff)
		}
	})
}
