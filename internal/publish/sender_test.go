package publish

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
)

// recordingSender records the one call Sender makes for an item and answers with err.
type recordingSender struct {
	calls []string // "evidence key payload" or "post route key payload"
	err   error
}

func (r *recordingSender) SendEvidenceJSON(_ context.Context, key string, payload json.RawMessage) error {
	r.calls = append(r.calls, "evidence "+key+" "+string(payload))
	return r.err
}

func (r *recordingSender) PostJSON(_ context.Context, route, key string, payload json.RawMessage) error {
	r.calls = append(r.calls, "post "+route+" "+key+" "+string(payload))
	return r.err
}

// Each kind of outbox item goes to its own route, with the item's ID as the idempotency key and
// its payload as it is; a kind this argus does not know is refused, not sent anywhere.
func TestSenderRoutesEachKind(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		want    string // the one call, "" for none
		wantErr string
	}{
		{kind: outbox.KindEvidence, want: "evidence id-1 {\"a\":1}"},
		{kind: outbox.KindPluginEvidence, want: "post " + controlplane.RouteEvidence + " id-1 {\"a\":1}"},
		{kind: outbox.KindRiskTemplates, want: "post " + controlplane.RouteRiskTemplates + " id-1 {\"a\":1}"},
		{kind: outbox.KindSubjectTemplates, want: "post " + controlplane.RouteSubjectTemplates + " id-1 {\"a\":1}"},
		{kind: "policy-bundles", wantErr: `outbox item id-1 has kind "policy-bundles", which this argus does not know how to deliver`},
		{kind: "", wantErr: `outbox item id-1 has kind "", which`},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			rec := &recordingSender{}
			err := Sender(rec).Send(t.Context(), outbox.Item{ID: "id-1", Kind: tc.kind, Payload: []byte(`{"a":1}`)})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Send = %v, want an error containing %q", err, tc.wantErr)
				}
				if len(rec.calls) != 0 {
					t.Errorf("an unknown kind was sent: %v", rec.calls)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(rec.calls) != 1 || rec.calls[0] != tc.want {
				t.Errorf("calls = %q, want [%q]", rec.calls, tc.want)
			}
		})
	}
}

// The client's error comes back as it is, so that the outbox can tell a retryable failure from
// a rejection (errors.Is / errors.As through the wrapping the client did).
func TestSenderReturnsTheClientsError(t *testing.T) {
	sentinel := errors.New("503 from the API")
	for _, kind := range []string{outbox.KindEvidence, outbox.KindPluginEvidence, outbox.KindRiskTemplates, outbox.KindSubjectTemplates} {
		rec := &recordingSender{err: sentinel}
		if err := Sender(rec).Send(t.Context(), outbox.Item{ID: "x", Kind: kind}); !errors.Is(err, sentinel) {
			t.Errorf("kind %s: Send = %v, want the client's error", kind, err)
		}
	}
}
