// Package loopback decides whether a host is this machine's loopback interface: the one
// place where argus accepts plain http (a registry, a mirror or a download on localhost,
// which tests and air-gapped sites use), so that the configuration's check and the
// downloader's agree.
//
// It is not responsible for any network access: it only reads the host name.
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host (a URL's Hostname(), without port or brackets) is "localhost"
// in any case or a loopback IP address (127.0.0.0/8, ::1).
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
