// Package schedule decides which jobs are due now: from each job's schedule, its spec hash and
// when it last started. It also splits a job set into shards, and works out this invocation's
// shard from --shard (I/N, a Kubernetes completion index, or auto) and the environment, which
// the caller passes in as a lookup function.
//
// It is not responsible for storing when jobs ran (package state does) or running them.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule says when a job comes round again after it last started.
type Schedule struct {
	raw   string
	every time.Duration // > 0 for "every <duration>"
	cron  cron.Schedule // non-nil for a cron expression
}

// Always is the schedule of a job that is due on every invocation.
var Always = Schedule{raw: "always"}

// cronParser accepts the standard 5-field form only (no seconds field, no descriptors such
// as @daily): what crontab users expect, and nothing that reads differently elsewhere.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Parse reads "always", "every <duration>" (a Go duration of at least one second: "every 1h",
// "every 90m") or a 5-field cron expression ("0 3 * * *"), evaluated in UTC.
func Parse(s string) (Schedule, error) {
	trimmed := strings.TrimSpace(s)
	switch {
	case trimmed == "" || trimmed == "always":
		return Always, nil
	case strings.HasPrefix(trimmed, "every "):
		d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(trimmed, "every ")))
		if err != nil {
			return Schedule{}, fmt.Errorf(`schedule %q: the interval is not a duration like "30m", "1h" or "24h": %w`, s, err)
		}
		if d < time.Second {
			return Schedule{}, fmt.Errorf("schedule %q: the interval must be at least 1s", s)
		}
		return Schedule{raw: trimmed, every: d}, nil
	}
	if len(strings.Fields(trimmed)) != 5 {
		return Schedule{}, fmt.Errorf(`schedule %q: expected "always", "every <duration>" (e.g. "every 1h") or a 5-field cron expression (e.g. "0 3 * * *")`, s)
	}
	c, err := cronParser.Parse(trimmed)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: invalid cron expression: %w", s, err)
	}
	return Schedule{raw: trimmed, cron: c}, nil
}

// String returns the schedule as written.
func (s Schedule) String() string {
	if s.raw == "" {
		return "always"
	}
	return s.raw
}

// IsAlways reports whether the job is due on every invocation.
func (s Schedule) IsAlways() bool { return s.every == 0 && s.cron == nil }

// Next is when a job that last started at last comes round again. It is the zero time for an
// "always" schedule.
func (s Schedule) Next(last time.Time) time.Time {
	switch {
	case s.every > 0:
		return last.Add(s.every)
	case s.cron != nil:
		return s.cron.Next(last.UTC())
	}
	return time.Time{}
}
