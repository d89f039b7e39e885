package install

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// TextEvents prints the lines argus has always printed on stderr during init and mirror.
func TestTextEventsLines(t *testing.T) {
	for _, tt := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: EventVerifiedInCache, Provider: "cis", Source: "r.test/acme/cis", Version: "1.4.0"},
			"argus: r.test/acme/cis 1.4.0: verified in cache"},
		{Event{Kind: EventUnsignedInCache, Provider: "cis", Source: "r.test/acme/cis"},
			`argus: warning: provider "cis" (r.test/acme/cis) is unsigned and was installed without signature verification (insecure_skip_signature = true)`},
		{Event{Kind: EventSignatureSkipped, Provider: "cis", Source: "r.test/acme/cis"},
			`argus: warning: provider "cis" (r.test/acme/cis): signature NOT verified (insecure_skip_signature = true); anyone who can change the registry can run code here`},
		{Event{Kind: EventDownloading, Source: "r.test/acme/cis", Version: "1.4.0", Platform: "linux_amd64", URL: "https://r.test/cis.zip"},
			"argus: r.test/acme/cis 1.4.0 (linux_amd64): downloading https://r.test/cis.zip"},
		{Event{Kind: EventInstalled, Source: "r.test/acme/cis", Version: "1.4.0"},
			"argus: r.test/acme/cis 1.4.0: installed and verified"},
		{Event{Kind: EventLocalChanged, Provider: "tool", OldHash: "h1:a", NewHash: "h1:b"},
			`argus: local provider "tool" changed since it was locked (h1:a → h1:b)`},
		{Event{Kind: EventLocalCopied, Source: "./tool"}, "argus: ./tool: copied into the cache"},
		{Event{Kind: EventMirroring, Source: "r.test/acme/cis", Version: "1.4.0", Platform: "linux_amd64"},
			"argus: mirror r.test/acme/cis 1.4.0 (linux_amd64)"},
	} {
		var b bytes.Buffer
		TextEvents{W: &b}.Event(tt.e)
		if diff := cmp.Diff(tt.want+"\n", b.String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.e.Kind, diff)
		}
	}
}

// With --log-format json every event is one JSON record with its fields as attributes.
func TestLogEventsJSON(t *testing.T) {
	var b bytes.Buffer
	events := LogEvents{Logger: slog.New(slog.NewJSONHandler(&b, nil))}
	events.Event(Event{Kind: EventDownloading, Provider: "cis", Source: "r.test/acme/cis", Version: "1.4.0", Platform: "linux_amd64", URL: "https://r.test/cis.zip"})
	events.Event(Event{Kind: EventSignatureSkipped, Provider: "cis", Source: "r.test/acme/cis"})
	var got []map[string]any
	dec := json.NewDecoder(&b)
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("not JSON lines: %v", err)
		}
		delete(rec, "time")
		got = append(got, rec)
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "r.test/acme/cis 1.4.0 (linux_amd64): downloading https://r.test/cis.zip", "event": "downloading",
			"provider": "cis", "source": "r.test/acme/cis", "version": "1.4.0", "platform": "linux_amd64", "url": "https://r.test/cis.zip"},
		{"level": "WARN", "msg": `provider "cis" (r.test/acme/cis): signature NOT verified (insecure_skip_signature = true); anyone who can change the registry can run code here`,
			"event": "signature_skipped", "provider": "cis", "source": "r.test/acme/cis"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// Init reports its steps in order: a cold install, a warm one, an added platform, a local
// provider and its edit.
func TestInitEvents(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Platforms = []string{CurrentPlatform, "plan9_arm"} })
	e.provider("cis", ">= 1.0.0")
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	cold := slices.Clone(e.events.events)
	if got, want := e.events.kinds(), []EventKind{EventDownloading, EventInstalled}; !slices.Equal(got, want) {
		t.Fatalf("cold Init events = %v, want %v", got, want)
	}
	if d := cold[0]; d.Provider != "cis" || d.Version != "1.4.0" || d.Platform != CurrentPlatform || d.URL == "" {
		t.Errorf("downloading event = %+v", d)
	}
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := e.events.kinds(), []EventKind{EventVerifiedInCache}; !slices.Equal(got, want) {
		t.Errorf("warm Init events = %v, want %v", got, want)
	}
	// Another platform is hashed, not downloaded for install: no downloading event for it.
	if _, err := e.init(t, func(r *Request) { r.Platforms = []string{"plan9_arm"} }); err != nil {
		t.Fatal(err)
	}
	if got, want := e.events.kinds(), []EventKind{EventDownloading, EventInstalled}; !slices.Equal(got, want) {
		t.Errorf("Init adding a platform: events = %v, want %v", got, want)
	}

	src := filepath.Join(t.TempDir(), "check.sh")
	registrytest.WriteFile(t, src, registrytest.Script("local"), 0o755)
	e.cfg.Providers = []config.Provider{{Name: "script", Source: "./check.sh", LocalPath: src}}
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := e.events.kinds(), []EventKind{EventLocalCopied}; !slices.Equal(got, want) {
		t.Errorf("local Init events = %v, want %v", got, want)
	}
	// Unchanged: already in the cache, so not "copied into the cache" again.
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.events.kinds(); len(got) != 0 {
		t.Errorf("unchanged local Init events = %v, want none", got)
	}
	registrytest.WriteFile(t, src, registrytest.Script("edited"), 0o755)
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	evs := slices.Clone(e.events.events)
	if got, want := e.events.kinds(), []EventKind{EventLocalChanged, EventLocalCopied}; !slices.Equal(got, want) {
		t.Fatalf("edited local Init events = %v, want %v", got, want)
	}
	if c := evs[0]; c.OldHash == "" || c.NewHash == "" || c.OldHash == c.NewHash {
		t.Errorf("local_changed event = %+v, want the two different hashes", c)
	}
}
