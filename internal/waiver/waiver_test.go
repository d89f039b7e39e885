package waiver

import (
	"strings"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"sshd-no-root-login", "sshd-no-root-login", true},
		{"sshd-no-root-login", "sshd-no-root-login2", false},
		{"cis-*", "cis-1.1", true},
		{"cis-*", "cis-", true},
		{"cis-*", "xcis-1", false},
		{"*-perms", "etc-passwd-perms", true},
		{"*-perms", "etc-passwd-perms-x", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"a*b*c", "abcabc", true},
		{"?", "x", true},
		{"?", "", false},
		{"cis-?.?", "cis-1.2", true},
		{"cis-?.?", "cis-1.22", false},
		{"*", "", true},
		{"", "", true},
		{"", "a", false},
		{"file /etc/[x]", "file /etc/[x]", true}, // no character classes: '[' is literal
		{"file /etc/*", "file /etc/ssh/sshd_config", true},
		{"ünï*", "ünïcode", true},
		{"**a", "bbba", true},
		{"*a*a*a*a*a*a*b", strings.Repeat("a", 200), false}, // would be exponential with naive backtracking
	} {
		if got := Match(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestMatches(t *testing.T) {
	w := Waiver{Name: "w", Job: "ssh-*"}
	titled := Waiver{Name: "t", Job: "ssh-*", Result: "PermitRootLogin is no"}
	globbed := Waiver{Name: "g", Job: "files", Result: "file /etc/*"}
	literal := Waiver{Name: "l", Job: "files", Result: "file [a]"}
	for _, tc := range []struct {
		w          Waiver
		job, title string
		want       bool
	}{
		{w, "ssh-root", "anything", true},
		{w, "http-root", "anything", false},
		{titled, "ssh-root", "PermitRootLogin is no", true},
		{titled, "ssh-root", "PasswordAuthentication is no", false},
		{titled, "web", "PermitRootLogin is no", false},
		{globbed, "files", "file /etc/shadow", true},
		{globbed, "files", "file /var/x", false},
		{literal, "files", "file [a]", true},
		{literal, "files", "file a", false},
	} {
		if got := tc.w.Matches(tc.job, tc.title); got != tc.want {
			t.Errorf("%+v.Matches(%q, %q) = %v, want %v", tc.w, tc.job, tc.title, got, tc.want)
		}
	}
}

func date(s string) time.Time {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestState(t *testing.T) {
	w := Waiver{Expires: date("2027-03-31")}
	for _, tc := range []struct {
		now  time.Time
		want State
	}{
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Active},
		{time.Date(2027, 3, 17, 23, 59, 59, 0, time.UTC), Active},
		{time.Date(2027, 3, 18, 0, 0, 0, 0, time.UTC), Soon}, // exactly 14 days before the end
		{time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC), Soon},
		{time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), Expired}, // applies through the expiry date
		{time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), Expired},
		// Expiry is in UTC whatever the zone of now: 2027-04-01 01:00 in UTC+2 is 23:00 UTC on the 31st.
		{time.Date(2027, 4, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), Soon},
	} {
		if got := w.State(tc.now); got != tc.want {
			t.Errorf("State(%s) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

func TestParseExpires(t *testing.T) {
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in      string
		max     time.Duration
		want    string
		wantErr string
	}{
		{in: "2027-03-31", want: "2027-03-31"},
		{in: "2027-12-02", want: "2027-12-02"}, // exactly a year: allowed
		{in: "2027-12-03", wantErr: "more than 365 days ahead (the latest allowed today is 2027-12-02)"},
		{in: "2026-01-01", want: "2026-01-01"}, // in the past: the caller warns, the waiver does not apply
		{in: "2027-01-10", max: 30 * 24 * time.Hour, wantErr: "more than 30 days ahead"},
		{in: "2027-01-01", max: 30 * 24 * time.Hour, want: "2027-01-01"},
		{in: "31/03/2027", wantErr: `"31/03/2027" is not a date: write it as YYYY-MM-DD`},
		{in: "2027-02-30", wantErr: "is not a date"},
		{in: "2027-03-31T00:00:00Z", wantErr: "is not a date"},
		{in: "", wantErr: "is not a date"},
	} {
		got, err := ParseExpires(tc.in, now, tc.max)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseExpires(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.Format(DateLayout) != tc.want {
			t.Errorf("ParseExpires(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	ws := []Waiver{
		{Name: "a-expired", Job: "ssh-*", Expires: date("2026-11-30")},
		{Name: "b-active", Job: "ssh-root", Result: "root", Expires: date("2027-03-31")},
		{Name: "c-expired-only", Job: "tls", Expires: date("2026-12-01")},
	}
	for _, tc := range []struct {
		job, title       string
		applied, expired string
	}{
		{"ssh-root", "root", "b-active", ""}, // an active waiver wins over an expired one listed first
		{"ssh-root", "other", "", "a-expired"},
		{"tls", "x", "", "c-expired-only"},
		{"web", "x", "", ""},
	} {
		l := Find(ws, tc.job, tc.title, now)
		if name(l.Applied) != tc.applied || name(l.Expired) != tc.expired {
			t.Errorf("Find(%q, %q) = applied %q, expired %q; want %q, %q", tc.job, tc.title, name(l.Applied), name(l.Expired), tc.applied, tc.expired)
		}
	}
	// The same waiver expires while the clock moves: it applies on its last day, not the next.
	last := []Waiver{{Name: "w", Job: "j", Expires: date("2026-12-02")}}
	if l := Find(last, "j", "t", now); name(l.Applied) != "w" {
		t.Errorf("on its expiry date the waiver should apply, got %+v", l)
	}
	if l := Find(last, "j", "t", now.Add(19*time.Hour)); name(l.Expired) != "w" || l.Applied != nil {
		t.Errorf("the day after its expiry date the waiver should not apply, got %+v", l)
	}
}

func name(w *Waiver) string {
	if w == nil {
		return ""
	}
	return w.Name
}
