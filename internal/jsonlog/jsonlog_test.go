package jsonlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestWriterMakesEveryLineARecord(t *testing.T) {
	var out bytes.Buffer
	w := &Writer{Logger: slog.New(slog.NewJSONHandler(&out, nil))}
	fmt.Fprintf(w, "argus: error: no job named %q\n", "x")
	fmt.Fprint(w, "argus: hint: run \"argus validate\"\nPASS   a  file .\n\n")
	fmt.Fprint(w, "argus: warning: half")
	fmt.Fprint(w, " a line\npartial")
	w.Flush()
	w.Record(slog.LevelError, "Unknown config key", slog.String("file", "a.hcl"), slog.Int("line", 3))

	type rec struct {
		Level, Msg string
		Hint       bool
		File       string
		Line       int
	}
	var got []rec
	for l := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var r rec
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		got = append(got, r)
	}
	want := []rec{
		{Level: "ERROR", Msg: `no job named "x"`},
		{Level: "INFO", Msg: `run "argus validate"`, Hint: true},
		{Level: "INFO", Msg: "PASS   a  file ."},
		{Level: "WARN", Msg: "half a line"},
		{Level: "INFO", Msg: "partial"},
		{Level: "ERROR", Msg: "Unknown config key", File: "a.hcl", Line: 3},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records:\n got %v\nwant %v", got, want)
	}
}
