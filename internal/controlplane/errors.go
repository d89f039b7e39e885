package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ErrBudgetExhausted is matched (errors.Is) by the error of a request given up because the
// invocation's retry budget is spent.
var ErrBudgetExhausted = errors.New("retry budget exhausted")

// PermanentError is an answer that retrying cannot change: a 4xx other than 408 and 429 (and a
// 401 that survives one token refresh). Status 0 means argus refused to send (a stored payload
// that cannot be decoded). An undelivered result stays in the outbox marked with it.
type PermanentError struct {
	Method string
	URL    string
	Status int
	// Body is the server's message: the "errors" object of the API's error shape, echo's
	// "message", or the raw body (truncated) when it is neither.
	Body string
}

func (e *PermanentError) Error() string {
	if e.Status == 0 { // refused before sending
		return fmt.Sprintf("%s %s: not sent: %s", e.Method, e.URL, e.Body)
	}
	msg := fmt.Sprintf("%s %s: control plane answered %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	if hint := e.hint(); hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

// Permanent marks the error as not worth retrying; the outbox recognises it by this method.
func (e *PermanentError) Permanent() bool { return true }

func (e *PermanentError) hint() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "check control_plane client_id and client_secret, or whether the control plane allows anonymous agents"
	case http.StatusForbidden:
		return "the agent or its key is inactive, revoked or expired in the control plane"
	case http.StatusNotFound:
		return "check control_plane url: it must be the API's base URL, without /api"
	}
	return ""
}

// TransientError is a request given up after transient failures: too many attempts, the
// budget spent, or the context done.
type TransientError struct {
	Method   string
	URL      string
	Attempts int
	// Status is the last answer's status, 0 when the last attempt got no answer.
	Status int
	// Err is the last failure.
	Err error
	// Why says why argus stopped trying.
	Why string

	budget bool
}

func (e *TransientError) Error() string {
	return fmt.Sprintf("%s %s: %s after %d attempt(s): %v", e.Method, e.URL, e.Why, e.Attempts, e.Err)
}

func (e *TransientError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrBudgetExhausted) true when the budget ended the retries.
func (e *TransientError) Is(target error) bool { return target == ErrBudgetExhausted && e.budget }

// statusError is one non-2xx answer, before deciding whether it is worth a retry.
type statusError struct {
	Status int
	Body   string
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("control plane answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

const maxErrorBody = 1 << 10

// errorMessage extracts the message of an error body: the API's {"errors": {"body": …}} (or
// per-field validation errors), echo's {"message": …}, or the raw text, truncated.
func errorMessage(body []byte) string {
	var shaped struct {
		Errors  map[string]any `json:"errors"`
		Message any            `json:"message"`
	}
	if err := json.Unmarshal(body, &shaped); err == nil {
		if b, ok := shaped.Errors["body"]; ok && len(shaped.Errors) == 1 {
			return truncate(fmt.Sprint(b))
		}
		if len(shaped.Errors) > 0 {
			keys := make([]string, 0, len(shaped.Errors))
			for k := range shaped.Errors {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s: %v", k, shaped.Errors[k]))
			}
			return truncate(strings.Join(parts, "; "))
		}
		if shaped.Message != nil {
			return truncate(fmt.Sprint(shaped.Message))
		}
	}
	return truncate(strings.TrimSpace(string(body)))
}

func truncate(s string) string {
	if len(s) <= maxErrorBody {
		return s
	}
	return s[:maxErrorBody] + "…"
}
