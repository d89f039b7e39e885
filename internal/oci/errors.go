package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// Kinds of failure a caller may tell apart with errors.Is.
var (
	ErrUnauthorized   = errors.New("access denied")
	ErrNotFound       = errors.New("not found")
	ErrNoPlatform     = errors.New("no manifest for this platform")
	ErrDigestMismatch = errors.New("digest mismatch")
	ErrInsecure       = errors.New("plain http to a host that is not loopback")
	ErrTooLarge       = errors.New("too large")
	ErrInvalid        = errors.New("not a usable artifact")
	ErrMoved          = errors.New("tag moved")
	// ErrTreeMismatch is a pulled tree whose hash is not the one the lock file records. It is
	// also an ErrDigestMismatch.
	ErrTreeMismatch = fmt.Errorf("%w: the tree differs from the lock", ErrDigestMismatch)
	// ErrNotCached is a cache entry Lookup cannot find, or has no tree hash to verify.
	ErrNotCached = errors.New("not in the cache")
	// ErrCacheDamaged is a cache entry Lookup found but that no longer holds what was
	// installed: its tree hash or its layout changed.
	ErrCacheDamaged = errors.New("cache entry damaged")
)

// Error is a failure about one reference: a single line that names it, says what happened
// and what to do.
type Error struct {
	Ref  string // the reference as written
	Kind error  // one of the Err… values above, or nil
	Msg  string // what happened and what to do
	Err  error  // the underlying error, if any (not repeated in Error())
}

func (e *Error) Error() string { return e.Ref + ": " + e.Msg }

// Unwrap exposes the kind and the underlying error to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

func newError(ref Reference, kind error, err error, format string, a ...any) *Error {
	return &Error{Ref: ref.String(), Kind: kind, Err: err, Msg: fmt.Sprintf(format, a...)}
}

// MovedError says that a tag now names another artifact than the one the lock pins. What to
// do about it is internal/exitcode's to say.
type MovedError struct {
	Ref         Reference
	Locked, Now string // index digests
}

func (e *MovedError) Error() string {
	return fmt.Sprintf("%s: the tag now names %s, but the lock file pins %s: someone pushed a new artifact under the same tag",
		e.Ref, e.Now, e.Locked)
}

// Unwrap lets errors.Is(err, ErrMoved) match.
func (e *MovedError) Unwrap() error { return ErrMoved }

// classify turns an oras or transport error from fetching what of ref into an *Error. Errors
// that are already *Error pass through.
func classify(ref Reference, what string, err error) error {
	var oe *Error
	if errors.As(err, &oe) {
		return err
	}
	host := ref.Registry
	var resp *errcode.ErrorResponse
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return newError(ref, nil, err, "fetching %s was interrupted (%v)", what, err)
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		return newError(ref, ErrUnauthorized, err,
			"the registry answered 401 Unauthorized for %s and there are no credentials for %s: log in with \"docker login %s\" or configure a credential helper for it in the Docker config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json)",
			what, host, host)
	case errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		return newError(ref, ErrUnauthorized, err,
			"the registry answered %d %s for %s: log in with \"docker login %s\" or configure a credential helper for it in the Docker config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json), and check that the account may pull %s",
			resp.StatusCode, http.StatusText(resp.StatusCode), what, host, ref.Repository)
	case errors.As(err, &resp) && resp.StatusCode == http.StatusTooManyRequests:
		return newError(ref, nil, err, "the registry is rate limiting requests (429) for %s: try again later, or log in (\"docker login %s\") for a higher limit", what, host)
	case errors.As(err, &resp):
		return newError(ref, nil, err, "the registry answered %d %s for %s%s: check the reference, or try again if the registry is having trouble",
			resp.StatusCode, http.StatusText(resp.StatusCode), what, detail(resp))
	case errors.Is(err, content.ErrMismatchedDigest), errors.Is(err, content.ErrTrailingData):
		return newError(ref, ErrDigestMismatch, err, "%s does not match its digest (%v): the registry or a proxy served altered or damaged content; nothing was installed", what, err)
	case errors.Is(err, errdef.ErrSizeExceedsLimit):
		return newError(ref, ErrTooLarge, err, "%s is larger than argus accepts (%v)", what, err)
	case errors.Is(err, ErrInsecure):
		return newError(ref, ErrInsecure, err, "%v: argus uses plain http only for loopback registries; serve the registry over https", err)
	case errors.Is(err, errdef.ErrNotFound):
		return newError(ref, ErrNotFound, err, "%s was not found", what)
	case strings.Contains(err.Error(), "mismatch Content-Length"):
		return newError(ref, ErrDigestMismatch, err, "%s has another size than its descriptor says: the registry served altered or damaged content; nothing was installed", what)
	}
	if ref.IsLayout() {
		return newError(ref, nil, err, "read %s from the layout: %v", what, err)
	}
	return newError(ref, nil, err, "fetch %s from %s: %v; check the registry address and the network", what, host, err)
}

func detail(resp *errcode.ErrorResponse) string {
	if len(resp.Errors) == 0 {
		return ""
	}
	return " (" + resp.Errors.Error() + ")"
}

// LookupError is a cache entry Lookup cannot use: Kind is ErrNotCached or ErrCacheDamaged.
// The message says what happened; what to do (install it again) is internal/exitcode's to say.
type LookupError struct {
	Manifest digest.Digest
	Kind     error  // ErrNotCached or ErrCacheDamaged
	Msg      string // what happened, before Err's message when both are set
	Err      error  // the verification failure, if any
}

func (e *LookupError) Error() string {
	switch {
	case e.Err == nil:
		return e.Msg
	case e.Msg == "":
		return e.Err.Error()
	}
	return e.Msg + ": " + e.Err.Error()
}

// Unwrap exposes the kind and the verification failure to errors.Is and errors.As.
func (e *LookupError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}
