package install

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// Events receives what the installer does, step by step, so that the caller decides how it is
// shown (plain lines for people, log records for collectors) and tests can assert on steps
// rather than on wording. Init and Mirror call it from one goroutine, in order.
type Events interface {
	Event(Event)
}

// EventKind names one step of an install or a mirror.
type EventKind int

const (
	// EventVerifiedInCache: a locked version was found in the cache and verified; no network.
	EventVerifiedInCache EventKind = iota + 1
	// EventUnsignedInCache is a warning: a provider reused from the cache was installed without
	// signature verification (insecure_skip_signature = true).
	EventUnsignedInCache
	// EventSignatureSkipped is a warning: insecure_skip_signature = true, so the release's
	// SHA256SUMS was not verified.
	EventSignatureSkipped
	// EventDownloading: the archive of the platform being installed is being downloaded (URL).
	EventDownloading
	// EventInstalled: a registry provider is installed and verified.
	EventInstalled
	// EventLocalChanged: a local provider's tree hashes to NewHash, the lock file says OldHash.
	EventLocalChanged
	// EventLocalCopied: a local provider was copied into the cache.
	EventLocalCopied
	// EventMirroring: Mirror is copying the archive of one locked platform.
	EventMirroring
	// EventTagMoved is a warning: an OCI tag names another artifact than the lock pinned
	// (OldHash, NewHash are the index digests); the new one is locked.
	EventTagMoved
	// EventProtocolAnnotation is a warning: a CCF plugin's protocol annotation is not 1 or 2
	// (Detail), so protocol 1 is used, as the agent does.
	EventProtocolAnnotation
	// EventDowngraded is a warning: --allow-downgrade locked Version, lower than the version
	// the lock pinned (Detail).
	EventDowngraded
)

// Event is one step. Fields that do not apply to its Kind are empty.
type Event struct {
	Kind     EventKind
	Provider string // the provider block's name; "" in Mirror
	Source   string // registry address or local path
	Version  string
	Platform string
	URL      string // redacted: never holds credentials
	OldHash  string
	NewHash  string
	Detail   string
}

// Warning reports whether the event is something the operator should act on.
func (e Event) Warning() bool {
	return e.Kind == EventUnsignedInCache || e.Kind == EventSignatureSkipped || e.Kind == EventTagMoved || e.Kind == EventProtocolAnnotation || e.Kind == EventDowngraded
}

// Message is the event as one sentence for people, without a prefix.
func (e Event) Message() string {
	switch e.Kind {
	case EventVerifiedInCache:
		return fmt.Sprintf("%s %s: verified in cache", e.Source, e.Version)
	case EventUnsignedInCache:
		return fmt.Sprintf("provider %q (%s) is unsigned and was installed without signature verification (insecure_skip_signature = true)", e.Provider, e.Source)
	case EventSignatureSkipped:
		return fmt.Sprintf("provider %q (%s): signature NOT verified (insecure_skip_signature = true); anyone who can change the registry can run code here", e.Provider, e.Source)
	case EventDownloading:
		return fmt.Sprintf("%s %s (%s): downloading %s", e.Source, e.Version, e.Platform, e.URL)
	case EventInstalled:
		return fmt.Sprintf("%s %s: installed and verified", e.Source, e.Version)
	case EventLocalChanged:
		return fmt.Sprintf("local provider %q changed since it was locked (%s → %s)", e.Provider, e.OldHash, e.NewHash)
	case EventLocalCopied:
		return fmt.Sprintf("%s: copied into the cache", e.Source)
	case EventMirroring:
		return fmt.Sprintf("mirror %s %s (%s)", e.Source, e.Version, e.Platform)
	case EventTagMoved:
		return fmt.Sprintf("%s: the tag moved since it was locked (%s → %s); locking the new artifact: review it and commit the lock file, or pin the reference by digest", e.Source, e.OldHash, e.NewHash)
	case EventProtocolAnnotation:
		return fmt.Sprintf("provider %q (%s): %s; using CCF protocol 1 (set protocol_version in the provider block to choose)", e.Provider, e.Source, e.Detail)
	case EventDowngraded:
		return fmt.Sprintf("provider %q (%s): downgraded from %s to %s (--allow-downgrade): review it and commit the lock file", e.Provider, e.Source, e.Detail, e.Version)
	}
	return fmt.Sprintf("install event %d", int(e.Kind))
}

// TextEvents writes each event as the plain line argus prints on a terminal:
// "argus: <message>", or "argus: warning: <message>".
type TextEvents struct {
	W io.Writer // required
}

// Event implements Events.
func (t TextEvents) Event(e Event) {
	prefix := "argus: "
	if e.Warning() {
		prefix = "argus: warning: "
	}
	_, _ = fmt.Fprintln(t.W, prefix+e.Message()) // progress is best effort: a closed stderr must not fail an install
}

// LogEvents logs each event as a record (Warn for warnings, Info otherwise) with its fields as
// attributes, for --log-format json.
type LogEvents struct {
	Logger *slog.Logger // required
}

// Event implements Events.
func (l LogEvents) Event(e Event) {
	level := slog.LevelInfo
	if e.Warning() {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("event", e.Kind.String())}
	for _, a := range []struct{ key, val string }{
		{"provider", e.Provider}, {"source", e.Source}, {"version", e.Version},
		{"platform", e.Platform}, {"url", e.URL}, {"old_hash", e.OldHash}, {"new_hash", e.NewHash}, {"detail", e.Detail},
	} {
		if a.val != "" {
			attrs = append(attrs, slog.String(a.key, a.val))
		}
	}
	l.Logger.LogAttrs(context.Background(), level, e.Message(), attrs...)
}

// String is the kind's name in log records.
func (k EventKind) String() string {
	switch k {
	case EventVerifiedInCache:
		return "verified_in_cache"
	case EventUnsignedInCache:
		return "unsigned_in_cache"
	case EventSignatureSkipped:
		return "signature_skipped"
	case EventDownloading:
		return "downloading"
	case EventInstalled:
		return "installed"
	case EventLocalChanged:
		return "local_changed"
	case EventLocalCopied:
		return "local_copied"
	case EventMirroring:
		return "mirroring"
	case EventTagMoved:
		return "tag_moved"
	case EventProtocolAnnotation:
		return "protocol_annotation"
	case EventDowngraded:
		return "downgraded"
	}
	return fmt.Sprintf("event_%d", int(k))
}

// discardEvents is the Events of a request that sets none.
type discardEvents struct{}

func (discardEvents) Event(Event) {}
