package config

import (
	"io"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// recorder is a RecordWriter (stderr under --log-format json); its text side must stay unused.
type recorder struct {
	io.Writer
	got []string
}

func (r *recorder) Record(level slog.Level, msg string, attrs ...slog.Attr) {
	line := level.String() + " " + msg
	for _, a := range attrs {
		line += " " + a.String()
	}
	r.got = append(r.got, line)
}

// To a RecordWriter, each diagnostic is one record with its location as attributes, and no text
// (a snippet would be lines that are not records).
func TestWriteDiagnosticsAsRecords(t *testing.T) {
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Unknown config key", Detail: "no key \"x\".",
			Subject: &hcl.Range{Filename: "a.hcl", Start: hcl.Pos{Line: 3, Column: 14}, End: hcl.Pos{Line: 3, Column: 21}}},
		{Severity: hcl.DiagWarning, Summary: "Waiver expires soon", Detail: "in 3 days."},
	}
	r := &recorder{Writer: failWriter{t}}
	if err := WriteDiagnostics(r, nil, diags, false); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`ERROR Unknown config key event=diagnostic detail=no key "x". file=a.hcl line=3 column=14 end_line=3 end_column=21`,
		`WARN Waiver expires soon event=diagnostic detail=in 3 days.`,
	}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

type failWriter struct{ t *testing.T }

func (f failWriter) Write(p []byte) (int, error) {
	f.t.Errorf("text written to a RecordWriter: %q", p)
	return len(p), nil
}
