package host

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEnv(t *testing.T) {
	base := []string{
		"PATH=/usr/bin", "HOME=/root", "LANG=C.UTF-8", "TMPDIR=/tmp/x",
		"ARGUS_TOKEN=secret", "AWS_PROFILE=prod", "AWS_SECRET_ACCESS_KEY=s3cr3t", "GITHUB_TOKEN=t",
		"PATH=/usr/local/bin:/usr/bin", // the last definition wins, as in os/exec
	}
	tests := []struct {
		name     string
		base     []string
		allow    []string
		hostname string
		want     []string
	}{
		{"defaults", base, nil, "h1",
			[]string{"PATH=/usr/local/bin:/usr/bin", "HOME=/root", "LANG=C.UTF-8", "HOSTNAME=h1"}},
		{"env_allow, never ARGUS_*", base, []string{"AWS_PROFILE", "ARGUS_TOKEN", "argus_token", "MISSING", "AWS_PROFILE", "BAD=NAME"}, "h1",
			[]string{"PATH=/usr/local/bin:/usr/bin", "HOME=/root", "LANG=C.UTF-8", "HOSTNAME=h1", "AWS_PROFILE=prod"}},
		{"HOSTNAME from the environment wins", append([]string{"HOSTNAME=from-env"}, base...), nil, "h1",
			[]string{"PATH=/usr/local/bin:/usr/bin", "HOME=/root", "LANG=C.UTF-8", "HOSTNAME=from-env"}},
		{"no host name known", []string{"PATH=/bin"}, nil, "", []string{"PATH=/bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, Env(tt.base, tt.allow, tt.hostname)); d != "" {
				t.Errorf("Env (-want +got):\n%s", d)
			}
		})
	}
}
