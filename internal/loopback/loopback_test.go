package loopback

import "testing"

func TestHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost":       true,
		"LocalHost":       true,
		"127.0.0.1":       true,
		"127.1.2.3":       true,
		"::1":             true,
		"":                false,
		"localhost.evil":  false,
		"evil-localhost":  false,
		"10.0.0.1":        false,
		"::ffff:10.0.0.1": false,
		"example.com":     false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}
