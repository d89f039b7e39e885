package host

import (
	"log/slog"
	"os"
	"testing"
	"time"
)

// BenchmarkRunGood is the host's whole cost of one plugin job (start, handshake, Configure,
// Eval with three evidence through the broker callback, Shutdown, group kill) with the test
// plugin, which itself does almost nothing.
func BenchmarkRunGood(b *testing.B) {
	path := buildTestPlugin(b)
	h := &Host{Logger: slog.New(slog.DiscardHandler)}
	req := Request{
		Job: "bench", Plugin: path, Dir: b.TempDir(), PolicyPaths: []string{"p"},
		Env: []string{"PATH=" + os.Getenv("PATH"), "HOSTNAME=bench", "ARGUS_TESTPLUGIN_MODE=good"}, Timeout: time.Minute,
	}
	for b.Loop() {
		if res := h.Run(b.Context(), req); res.Err != nil || len(res.Evidence) != 3 {
			b.Fatalf("run: %v (%d evidence)", res.Err, len(res.Evidence))
		}
	}
}
