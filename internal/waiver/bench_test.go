package waiver

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkFind is one failed result looked up among 200 waivers, none of which applies: the
// worst case, paid once per failure of a run.
func BenchmarkFind(b *testing.B) {
	var ws []Waiver
	for i := range 200 {
		ws = append(ws, Waiver{Name: fmt.Sprint("w", i), Job: fmt.Sprintf("cis-%d.*", i), Result: "file /etc/*", Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)})
	}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if l := Find(ws, "cis-999.1.2-some-long-job-name", "file /etc/ssh/sshd_config", now); l.Applied != nil {
			b.Fatal("matched")
		}
	}
}
