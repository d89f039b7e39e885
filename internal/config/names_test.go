package config

import "testing"

func TestNameRules(t *testing.T) {
	for _, tt := range []struct {
		s              string
		name, passable bool
	}{
		{"etc-passwd", true, false},
		{"HTTPS_PROXY", true, true},
		{"team.v2", true, false},
		{"_private", false, true},
		{"ARGUS_CLIENT_SECRET", true, false},
		{"argus_client_secret", true, false},
		{"9lives", true, false},
		{"", false, false},
		{"has space", false, false},
	} {
		if got := ValidName(tt.s); got != tt.name {
			t.Errorf("ValidName(%q) = %v, want %v", tt.s, got, tt.name)
		}
		if got := PassableEnvName(tt.s); got != tt.passable {
			t.Errorf("PassableEnvName(%q) = %v, want %v", tt.s, got, tt.passable)
		}
	}
}
