package assess

import (
	"slices"
	"testing"

	"github.com/compliance-framework/argus/internal/config"
)

func TestOrderIsConfigurationOrder(t *testing.T) {
	at := func(name, file string, byte int) config.Job {
		j := job(name, "always")
		j.Range.Filename, j.Range.Start.Byte = file, byte
		return j
	}
	jobs := []config.Job{at("a", "20-b.argus.hcl", 10), at("b", "10-a.argus.hcl", 50), at("c", "10-a.argus.hcl", 5), at("z-remote", "", 0), at("d-remote", "", 0)}
	var planned []Planned
	for i := range jobs {
		planned = append(planned, Planned{Job: &jobs[i]})
	}
	if got, want := Order(planned), []string{"c", "b", "a", "d-remote", "z-remote"}; !slices.Equal(got, want) {
		t.Errorf("Order = %v, want %v", got, want)
	}
}
