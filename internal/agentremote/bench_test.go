package agentremote

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkResolve is one invocation's protocol work for 1000 jobs with an overlay that changes
// 100 schedules (fetch answered from memory): project, merge, classify, resolve, redact, digest.
func BenchmarkResolve(b *testing.B) {
	var jobs []Job
	overlay := map[string]any{}
	for i := range 1000 {
		name := fmt.Sprintf("job-%04d", i)
		jobs = append(jobs, Job{Name: name, Provider: "builtin/command", Source: "builtin/command", Schedule: "every 1h",
			Config: json.RawMessage(`{"command":["true","--host","h` + fmt.Sprint(i) + `"]}`), Labels: map[string]string{"team": "a"}})
		if i%10 == 0 {
			overlay[name] = map[string]any{"schedule": "every 5m"}
		}
	}
	ov, _ := json.Marshal(map[string]any{"plugins": overlay})
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		out := Resolve(b.Context(), Input{Settings: Settings{Mode: ModeApplySafe}, Jobs: jobs,
			Providers: map[string]string{"builtin/command": "builtin/command"},
			Fetcher:   &fetcher{res: rev(1, string(ov))}, Store: Store{Dir: dir}, Check: CheckJobs})
		if !out.Applied {
			b.Fatal(out.Warnings)
		}
	}
}
