package agentremote

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
)

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func TestInstanceIDStable(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	a, err := st.InstanceID()
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.InstanceID()
	if err != nil || a != b || a == uuid.Nil {
		t.Fatalf("%v %v %v", a, b, err)
	}
	if c, _ := (Store{Dir: t.TempDir()}).InstanceID(); c == a {
		t.Fatal("two state directories share an instance ID")
	}
	if err := writeFile(filepath.Join(st.Dir, InstanceIDFile), "not-a-uuid"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InstanceID(); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("corrupt id: %v", err)
	}
}

type reportClient struct {
	err   error
	calls int
}

func (c *reportClient) ConfigReport(context.Context, uuid.UUID, json.RawMessage) error {
	c.calls++
	return c.err
}

func TestEnqueueSupersedes(t *testing.T) {
	dir := t.TempDir()
	ob, err := outbox.Open(filepath.Join(dir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.New()
	for i := range 3 {
		if err := Enqueue(ob, "https://cp", id, &Report{Mode: ModeReport, Hostname: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	items, _ := ob.List()
	if len(items) != 1 || !strings.Contains(string(items[0].Payload), `"hostname":"c"`) {
		t.Fatalf("items %+v, want only the newest report", items)
	}
}

func TestSender(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	item := func(t *testing.T) outbox.Item {
		b, _ := json.Marshal(queued{InstanceID: uuid.New(), Report: json.RawMessage(`{}`)})
		return outbox.Item{ID: "i", Kind: outbox.KindConfigReport, Payload: b}
	}
	evidence := outbox.SenderFunc(func(context.Context, outbox.Item) error { return errors.New("evidence sender") })

	t.Run("409 backs off", func(t *testing.T) {
		st := Store{Dir: t.TempDir()}
		c := &reportClient{err: &controlplane.ReportError{Status: http.StatusConflict, Err: errors.New("cap")}}
		s := Sender(evidence, c, st, func() time.Time { return now })
		if err := s.Send(t.Context(), item(t)); err == nil {
			t.Fatal("409 delivered")
		}
		if err := s.Send(t.Context(), item(t)); err == nil || !strings.Contains(err.Error(), "held back until") || c.calls != 1 {
			t.Fatalf("second send: %v after %d calls", err, c.calls)
		}
		later := Sender(evidence, c, st, func() time.Time { return now.Add(ReportBackoff + time.Second) })
		_ = later.Send(t.Context(), item(t))
		if c.calls != 2 {
			t.Fatalf("after the back-off: %d calls", c.calls)
		}
	})
	t.Run("404 drops", func(t *testing.T) {
		c := &reportClient{err: controlplane.ErrRemoteConfigUnsupported}
		if err := Sender(evidence, c, Store{Dir: t.TempDir()}, nil).Send(t.Context(), item(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("413 is permanent", func(t *testing.T) {
		c := &reportClient{err: &controlplane.ReportError{Status: http.StatusRequestEntityTooLarge, Err: errors.New("big")}}
		err := Sender(evidence, c, Store{Dir: t.TempDir()}, nil).Send(t.Context(), item(t))
		var p interface{ Permanent() bool }
		if !errors.As(err, &p) || !p.Permanent() {
			t.Fatalf("413: %v", err)
		}
	})
	t.Run("other kinds go on", func(t *testing.T) {
		err := Sender(evidence, &reportClient{}, Store{Dir: t.TempDir()}, nil).Send(t.Context(), outbox.Item{Kind: outbox.KindEvidence})
		if err == nil || err.Error() != "evidence sender" {
			t.Fatal(err)
		}
	})
	t.Run("undecodable is permanent", func(t *testing.T) {
		err := Sender(evidence, &reportClient{}, Store{Dir: t.TempDir()}, nil).Send(t.Context(), outbox.Item{Kind: outbox.KindConfigReport, Payload: json.RawMessage(`[]`)})
		var p interface{ Permanent() bool }
		if !errors.As(err, &p) || !p.Permanent() {
			t.Fatal(err)
		}
	})
}

func TestCheckPolicyFields(t *testing.T) {
	none := func(string) bool { return false }
	if err := checkPolicyFields([]Job{{Name: "a", Provider: "builtin/file", PolicyData: map[string]any{"x": 1}}}, none); err == nil {
		t.Fatal("policy_data on a built-in provider accepted")
	}
	if err := checkPolicyFields([]Job{{Name: "a", Provider: "ssh", Policies: []string{"p"}}}, func(p string) bool { return p == "ssh" }); err != nil {
		t.Fatal(err)
	}
	if err := checkPolicyFields([]Job{{Name: "a", Provider: "builtin/file"}}, none); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeReportFits(t *testing.T) {
	big := json.RawMessage(`{"plugins":{"p":{"source":"` + strings.Repeat("a", 5<<20) + `"}}}`)
	r := &Report{Mode: ModeReport, Base: big, Effective: json.RawMessage(`{}`), Plugins: []PluginReport{{Name: "p", Source: strings.Repeat("b", 1<<20)}}}
	b, err := encodeReport(r)
	if err != nil || len(b) > MaxReportBytes || !strings.Contains(string(b), `"truncated":true`) || !strings.Contains(string(b), `"base":{}`) {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	small, _ := encodeReport(&Report{Mode: ModeReport, Base: json.RawMessage(`{}`), Effective: json.RawMessage(`{}`)})
	if strings.Contains(string(small), "truncated") {
		t.Fatal("a small report marked truncated")
	}
}
