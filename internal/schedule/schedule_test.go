package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	base := time.Date(2026, 11, 24, 10, 17, 0, 0, time.UTC)
	tests := []struct {
		in       string
		wantErr  string
		wantNext time.Time
	}{
		{in: "always"},
		{in: ""},
		{in: "every 1h", wantNext: base.Add(time.Hour)},
		{in: "every 90m", wantNext: base.Add(90 * time.Minute)},
		{in: "  every 24h  ", wantNext: base.Add(24 * time.Hour)},
		{in: "0 3 * * *", wantNext: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)},
		{in: "*/15 * * * *", wantNext: time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)},
		{in: "0 0 * * 1", wantNext: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
		{in: "every hour", wantErr: "not a duration"},
		{in: "every 10ms", wantErr: "at least 1s"},
		{in: "every -1h", wantErr: "at least 1s"},
		{in: "@daily", wantNext: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{in: "@hourly", wantNext: time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)},
		{in: "@WEEKLY", wantNext: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)},
		{in: "@monthly", wantNext: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{in: "@yearly", wantNext: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "@reboot", wantErr: "not a macro argus knows"},
		{in: "every 7d", wantNext: base.Add(7 * 24 * time.Hour)},
		{in: "every 1d12h", wantNext: base.Add(36 * time.Hour)},
		{in: "every 1.5d", wantErr: "whole number"},
		{in: "every d", wantErr: "whole number"},
		{in: "0 0 3 * * *", wantErr: "6 fields; a cron expression has 5"},
		{in: "0 3 * *", wantErr: "4 fields; a cron expression has 5"},
		{in: "61 * * * *", wantErr: "invalid cron"},
		{in: "hourly", wantErr: "1 field; a cron expression has 5"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := s.Next(base); !got.Equal(tt.wantNext) {
				t.Errorf("Next = %v, want %v", got, tt.wantNext)
			}
			if s.IsAlways() != tt.wantNext.IsZero() {
				t.Errorf("IsAlways = %v", s.IsAlways())
			}
		})
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	hourly, _ := Parse("every 1h")
	nightly, _ := Parse("0 3 * * *")
	tests := []struct {
		name       string
		c          Candidate
		force      string
		wantDue    bool
		wantReason string
		wantNext   time.Time
	}{
		{"never ran", Candidate{Schedule: hourly, SpecHash: "a"}, "", true, "never ran", now.Add(time.Hour)},
		{"spec changed", Candidate{Schedule: hourly, SpecHash: "b", Last: &Last{SpecHash: "a", Start: now.Add(-time.Minute)}}, "", true, "spec changed", now.Add(time.Hour)},
		{"interval not yet", Candidate{Schedule: hourly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now.Add(-59 * time.Minute)}}, "", false, "every 1h", now.Add(time.Minute)},
		{"interval exactly", Candidate{Schedule: hourly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now.Add(-time.Hour)}}, "", true, "came round", now.Add(time.Hour)},
		{"unfinished", Candidate{Schedule: hourly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now.Add(-time.Minute), Unfinished: true}}, "", true, "did not finish", now.Add(time.Hour)},
		{"always", Candidate{Schedule: Always, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now}}, "", true, "always", time.Time{}},
		{"cron not yet", Candidate{Schedule: nightly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: time.Date(2026, 11, 24, 3, 0, 1, 0, time.UTC)}}, "", false, "0 3 * * *", time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)},
		{"cron came round", Candidate{Schedule: nightly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: time.Date(2026, 11, 23, 3, 0, 1, 0, time.UTC)}}, "", true, "came round", time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)},
		// Issue 15 item 9: a clock set back after a run must not silence the job until then.
		{"last start in the future", Candidate{Schedule: hourly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now.Add(72 * time.Hour)}}, "", true, "in the future", now.Add(time.Hour)},
		{"last start in the future, cron", Candidate{Schedule: nightly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now.Add(30 * 24 * time.Hour)}}, "", true, "in the future", time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)},
		{"forced", Candidate{Schedule: hourly, SpecHash: "a", Last: &Last{SpecHash: "a", Start: now}}, "--all", true, "--all", now.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.c, now, tt.force)
			if d.Due != tt.wantDue || !strings.Contains(d.Reason, tt.wantReason) || !d.Next.Equal(tt.wantNext) {
				t.Errorf("Decide = %+v, want due=%v reason~%q next=%v", d, tt.wantDue, tt.wantReason, tt.wantNext)
			}
			future := tt.c.Last != nil && tt.c.Last.Start.After(now)
			if future != (d.Warning != "") || future && !strings.Contains(d.Warning, "clock") {
				t.Errorf("Decide warning = %q, want a clock warning: %v", d.Warning, future)
			}
		})
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{"", Shard{}, false},
		{"1/1", Shard{1, 1}, false},
		{"2/4", Shard{2, 4}, false},
		{"0/4", Shard{}, true},
		{"5/4", Shard{}, true},
		{"1/0", Shard{}, true},
		{"a/b", Shard{}, true},
		{"3", Shard{}, true},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// Every job lands in exactly one shard, and the shards are roughly even.
func TestShardPartition(t *testing.T) {
	const n, jobs = 4, 2000
	counts := make([]int, n)
	for j := range jobs {
		name := "job-" + strings.Repeat("x", j%7) + string(rune('a'+j%26)) + time.Duration(j).String()
		in := 0
		for i := 1; i <= n; i++ {
			if (Shard{Index: i, Count: n}).Contains(name) {
				in++
				counts[i-1]++
			}
		}
		if in != 1 {
			t.Fatalf("job %q is in %d shards", name, in)
		}
	}
	for i, c := range counts {
		if c < jobs/n/2 {
			t.Errorf("shard %d/%d has only %d of %d jobs", i+1, n, c, jobs)
		}
	}
	if !(Shard{}).Contains("anything") {
		t.Error("no sharding must contain every job")
	}
}
