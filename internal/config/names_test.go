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

// The registry URL rule is the getter's: plain http only to a loopback host, whatever its case,
// so that a URL the loader accepts is one the getter will fetch (issue 11: one isLoopback).
func TestCheckHTTPURL(t *testing.T) {
	for _, tt := range []struct {
		url       string
		httpsOnly bool
		ok        bool
	}{
		{"https://mirror.example.com/", true, true},
		{"http://localhost:8080/", true, true},
		{"http://LocalHost/", true, true},
		{"http://127.0.0.1/", true, true},
		{"http://[::1]:9/", true, true},
		{"http://mirror.example.com/", true, false},
		{"http://ccf.example.com", false, true},
		{"https://user:pw@mirror.example.com/", true, false},
		{"ftp://mirror.example.com/", true, false},
		{"mirror.example.com", true, false},
	} {
		err := checkHTTPURL(tt.url, tt.httpsOnly)
		if (err == nil) != tt.ok {
			t.Errorf("checkHTTPURL(%q, %v) = %v, want ok=%v", tt.url, tt.httpsOnly, err, tt.ok)
		}
	}
}
