package sdk

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	pass := Response{Results: []Result{{Title: "checked", Status: StatusPass}}}
	good := func(ctx context.Context, req Request) (Response, error) { return pass, nil }
	tests := []struct {
		name       string
		stdin      string
		handler    Handler
		wantCode   int
		wantStdout *Response // nil: nothing on stdout
		wantStderr string    // substring; empty means stderr must be empty
	}{
		{
			name:       "good handler",
			stdin:      `{"protocol":1,"run_id":"r","job":{"name":"j"},"subject":{"type":"t","identifier":"i"},"config":{}}`,
			handler:    good,
			wantStdout: &pass,
		},
		{
			name:  "handler sees the request",
			stdin: `{"protocol":1,"run_id":"r-1","job":{"name":"etc","labels":{"team":"p"}},"subject":{"type":"host","identifier":"web-1"},"config":{"path":"/x"}}`,
			handler: func(ctx context.Context, req Request) (Response, error) {
				var cfg struct{ Path string }
				if err := req.DecodeConfig(&cfg); err != nil {
					return Response{}, err
				}
				title := strings.Join([]string{req.RunID, req.Job.Name, req.Job.Labels["team"], req.Subject.Type, req.Subject.Identifier, cfg.Path}, " ")
				return Response{Results: []Result{{Title: title, Status: StatusPass}}}, nil
			},
			wantStdout: &Response{Results: []Result{{Title: "r-1 etc p host web-1 /x", Status: StatusPass}}},
		},
		{
			name:  "handler error exits 1",
			stdin: `{"protocol":1}`,
			handler: func(ctx context.Context, req Request) (Response, error) {
				return Response{}, errors.New("open /etc/passwd: permission denied")
			},
			wantCode:   1,
			wantStderr: "provider: open /etc/passwd: permission denied",
		},
		{
			name:  "invalid response exits 1",
			stdin: `{"protocol":1}`,
			handler: func(ctx context.Context, req Request) (Response, error) {
				return Response{}, nil
			},
			wantCode:   1,
			wantStderr: "handler returned an invalid response: response has no results",
		},
		{
			name:       "wrong protocol exits 2",
			stdin:      `{"protocol":2}`,
			handler:    good,
			wantCode:   2,
			wantStderr: "request speaks protocol 2, this provider speaks 1",
		},
		{
			name:       "missing protocol exits 2",
			stdin:      `{"run_id":"r"}`,
			handler:    good,
			wantCode:   2,
			wantStderr: "request speaks protocol 0",
		},
		{
			name:       "not JSON exits 2",
			stdin:      `hello`,
			handler:    good,
			wantCode:   2,
			wantStderr: "is this being run by argus?",
		},
		{
			name:       "empty stdin exits 2",
			stdin:      ``,
			handler:    good,
			wantCode:   2,
			wantStderr: "decode request from stdin",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), strings.NewReader(tt.stdin), &stdout, &stderr, tt.handler)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, tt.wantCode, stderr.String())
			}
			if tt.wantStdout == nil {
				if stdout.Len() != 0 {
					t.Errorf("stdout = %q, want nothing", stdout.String())
				}
			} else {
				got, err := DecodeResponse(stdout.Bytes())
				if err != nil {
					t.Fatalf("stdout is not a valid response: %v\n%s", err, stdout.String())
				}
				if diff := cmp.Diff(*tt.wantStdout, got); diff != "" {
					t.Errorf("response (-want +got):\n%s", diff)
				}
			}
			if tt.wantStderr == "" && stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunDeadlineBecomesContextDeadline(t *testing.T) {
	deadline := time.Date(2099, 11, 24, 20, 0, 30, 0, time.UTC)
	tests := []struct {
		name  string
		stdin string
		want  time.Time // zero: no deadline
	}{
		{"deadline", `{"protocol":1,"deadline":"2099-11-24T20:00:30Z"}`, deadline},
		{"no deadline", `{"protocol":1}`, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got time.Time
			var hasDeadline bool
			h := func(ctx context.Context, req Request) (Response, error) {
				got, hasDeadline = ctx.Deadline()
				return Response{Results: []Result{{Title: "t", Status: StatusSkip}}}, nil
			}
			var stdout, stderr bytes.Buffer
			if code := Run(t.Context(), strings.NewReader(tt.stdin), &stdout, &stderr, h); code != 0 {
				t.Fatalf("exit code %d: %s", code, stderr.String())
			}
			if tt.want.IsZero() {
				if hasDeadline {
					t.Errorf("handler context has deadline %v, want none", got)
				}
				return
			}
			if !hasDeadline || !got.Equal(tt.want) {
				t.Errorf("handler context deadline = %v (set: %v), want %v", got, hasDeadline, tt.want)
			}
		})
	}
}

func TestRunPastDeadlineCancelsHandler(t *testing.T) {
	h := func(ctx context.Context, req Request) (Response, error) {
		<-ctx.Done() // returns at once: the deadline has passed
		return Response{}, ctx.Err()
	}
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), strings.NewReader(`{"protocol":1,"deadline":"2001-01-01T00:00:00Z"}`), &stdout, &stderr, h)
	if code != 1 || !strings.Contains(stderr.String(), "context deadline exceeded") {
		t.Errorf("exit code %d, stderr %q; want 1 and a deadline error", code, stderr.String())
	}
}

func TestRunRejectsOversizedRequest(t *testing.T) {
	called := false
	h := func(ctx context.Context, req Request) (Response, error) {
		called = true
		return Response{}, nil
	}
	big := strings.NewReader(`{"protocol":1,"config":"` + strings.Repeat("a", maxRequestSize) + `"}`)
	var stdout, stderr bytes.Buffer
	if code := Run(t.Context(), big, &stdout, &stderr, h); code != 2 || called {
		t.Errorf("exit code %d, handler called %v; want 2 and not called", code, called)
	}
	if !strings.Contains(stderr.String(), "larger than") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
