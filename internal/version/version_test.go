package version

import (
	"encoding/json"
	"testing"
)

func TestInfo(t *testing.T) {
	i := Info{Version: "0.2.0", Commit: "0123456789abcdef", Date: "2026-12-01T00:00:00Z", Modified: true, GoVersion: "go1.26", Platform: "linux/amd64"}
	if got, want := i.String(), "argus 0.2.0 (commit 0123456789ab+modified, built 2026-12-01T00:00:00Z) go1.26 linux/amd64"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	b, err := json.Marshal(i)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"0.2.0","commit":"0123456789abcdef","date":"2026-12-01T00:00:00Z","modified":true,"go_version":"go1.26","platform":"linux/amd64"}`
	if string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	if g := Get(); g.Version == "" || g.GoVersion == "" || g.Platform == "" {
		t.Errorf("Get() = %+v", g)
	}
}
