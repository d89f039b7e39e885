package sdk

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Response
		wantErr string // substring; empty means success
	}{
		{
			name: "valid",
			in: `{"results":[{"title":"passwd perms","description":"d","status":"fail","reason":"mode is 0666",
				"labels":{"team":"platform"},"observations":[{"title":"stat","evidence":{"mode":"0666","size":3}}],
				"controls":["ac-6"],"remarks":"r"}]}`,
			want: Response{Results: []Result{{
				Title: "passwd perms", Description: "d", Status: StatusFail, Reason: "mode is 0666",
				Labels:       map[string]string{"team": "platform"},
				Observations: []Observation{{Title: "stat", Evidence: map[string]any{"mode": "0666", "size": float64(3)}}},
				Controls:     []string{"ac-6"}, Remarks: "r",
			}}},
		},
		{
			name: "every status",
			in:   `{"results":[{"title":"a","status":"pass"},{"title":"b","status":"fail"},{"title":"c","status":"error"},{"title":"d","status":"skip"}]}`,
			want: Response{Results: []Result{{Title: "a", Status: StatusPass}, {Title: "b", Status: StatusFail}, {Title: "c", Status: StatusError}, {Title: "d", Status: StatusSkip}}},
		},
		{
			name: "trailing whitespace is fine",
			in:   "{\"results\":[{\"title\":\"a\",\"status\":\"pass\"}]}\n\n  \t",
			want: Response{Results: []Result{{Title: "a", Status: StatusPass}}},
		},
		{name: "empty", in: "", wantErr: "decode provider output: EOF"},
		{name: "not JSON", in: "hello", wantErr: "invalid character 'h'"},
		{name: "trailing garbage", in: `{"results":[{"title":"a","status":"pass"}]} garbage`, wantErr: "trailing data after the JSON document"},
		{name: "two documents", in: `{"results":[{"title":"a","status":"pass"}]}{"results":[{"title":"b","status":"pass"}]}`, wantErr: "more than one JSON document"},
		{name: "two documents on two lines", in: "{\"results\":[{\"title\":\"a\",\"status\":\"pass\"}]}\n{}\n", wantErr: "more than one JSON document"},
		{name: "unknown top-level field", in: `{"results":[{"title":"a","status":"pass"}],"version":2}`, wantErr: `unknown field "version"`},
		{name: "unknown result field", in: `{"results":[{"title":"a","status":"pass","level":"high"}]}`, wantErr: `unknown field "level"`},
		{
			name: "optional severity",
			in:   `{"results":[{"title":"a","status":"fail","severity":"critical"}]}`,
			want: Response{Results: []Result{{Title: "a", Status: StatusFail, Severity: SeverityCritical}}},
		},
		// A provider cannot waive its own failure: waivers are argus's, not the protocol's.
		{name: "a provider cannot send a waiver", in: `{"results":[{"title":"a","status":"fail","waiver":{"name":"x"}}]}`, wantErr: `unknown field "waiver"`},
		{name: "bad severity", in: `{"results":[{"title":"a","status":"fail","severity":"urgent"}]}`, wantErr: `results[0]: severity "urgent" is not one of info, low, medium, high, critical`},
		{name: "severity is case-sensitive", in: `{"results":[{"title":"a","status":"fail","severity":"High"}]}`, wantErr: `severity "High"`},
		{name: "unknown observation field", in: `{"results":[{"title":"a","status":"pass","observations":[{"title":"o","when":1}]}]}`, wantErr: `unknown field "when"`},
		{name: "empty results", in: `{"results":[]}`, wantErr: "response has no results"},
		{name: "null results", in: `{"results":null}`, wantErr: "response has no results"},
		{name: "no results key", in: `{}`, wantErr: "response has no results"},
		{name: "null document", in: `null`, wantErr: "response has no results"},
		{name: "bad status", in: `{"results":[{"title":"a","status":"ok"}]}`, wantErr: `results[0]: status "ok" is not one of pass, fail, error, skip`},
		{name: "missing status", in: `{"results":[{"title":"a"}]}`, wantErr: `results[0]: status "" is not one of`},
		{name: "status is case-sensitive", in: `{"results":[{"title":"a","status":"PASS"}]}`, wantErr: `status "PASS"`},
		{name: "blank title", in: `{"results":[{"title":"  ","status":"pass"}]}`, wantErr: "results[0]: title is empty"},
		{name: "blank observation title", in: `{"results":[{"title":"a","status":"pass","observations":[{"title":""}]}]}`, wantErr: "results[0].observations[0]: title is empty"},
		{
			name:    "every problem is reported",
			in:      `{"results":[{"title":"a","status":"pass"},{"title":"","status":"nope"}]}`,
			wantErr: `results[1]: title is empty` + "\n" + `results[1]: status "nope"`,
		},
		{name: "wrong type", in: `{"results":{"title":"a"}}`, wantErr: "cannot unmarshal object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeResponse([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DecodeResponse error = %v, want one containing %q", err, tt.wantErr)
				}
				if got.Results != nil {
					t.Errorf("DecodeResponse returned results %+v with an error", got.Results)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeResponse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeResponse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestDecodeConfig(t *testing.T) {
	type fileConfig struct {
		Path   string `json:"path"`
		Exists *bool  `json:"exists"`
	}
	yes := true
	tests := []struct {
		name    string
		config  string
		want    fileConfig
		wantErr string
	}{
		{name: "valid", config: `{"path":"/etc/passwd","exists":true}`, want: fileConfig{Path: "/etc/passwd", Exists: &yes}},
		{name: "null config", config: `null`, want: fileConfig{}},
		{name: "absent config", config: ``, want: fileConfig{}},
		{name: "whitespace config", config: " \n ", want: fileConfig{}},
		{name: "padded null config", config: " null ", want: fileConfig{}},
		{name: "empty object", config: `{}`, want: fileConfig{}},
		{name: "unknown key", config: `{"path":"/etc/passwd","pth":"/etc/shadow"}`, wantErr: `decode job config: json: unknown field "pth"`},
		{name: "wrong type", config: `{"path":42}`, wantErr: "decode job config: json: cannot unmarshal number"},
		{name: "not an object", config: `["path"]`, wantErr: "decode job config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Config: json.RawMessage(tt.config)}
			var got fileConfig
			err := req.DecodeConfig(&got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DecodeConfig error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusValid(t *testing.T) {
	for _, s := range []Status{StatusPass, StatusFail, StatusError, StatusSkip} {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	for _, s := range []Status{"", "ok", "Pass", "unknown"} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}
