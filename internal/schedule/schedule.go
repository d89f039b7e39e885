// Package schedule decides which jobs are due now: from each job's schedule, its spec hash and
// when it last started. It also splits a job set into shards, and works out this invocation's
// shard from --shard (I/N, a Kubernetes completion index, or auto) and the environment, which
// the caller passes in as a lookup function.
//
// It is not responsible for storing when jobs ran (package state does) or running them.
package schedule

import (
	"fmt"
	"strconv"
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

// cronParser accepts the standard 5-field form (no seconds field): what crontab users expect.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// macros are the crontab shorthands argus accepts, as the 5-field expressions they stand for
// (crontab(5)); @reboot has no meaning for a one-shot tool and is refused.
var macros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

const scheduleForms = `"always", "every <duration>" (e.g. "every 1h" or "every 7d"), a 5-field cron expression (e.g. "0 3 * * *") or a macro (@hourly, @daily, @weekly, @monthly, @yearly)`

// Parse reads "always", "every <duration>" (a Go duration of at least one second, plus a "d"
// unit of 24h: "every 1h", "every 90m", "every 7d", "every 1d12h"), a 5-field cron expression
// ("0 3 * * *") or a crontab macro ("@daily"), evaluated in UTC.
func Parse(s string) (Schedule, error) {
	trimmed := strings.TrimSpace(s)
	switch {
	case trimmed == "" || trimmed == "always":
		return Always, nil
	case strings.HasPrefix(trimmed, "every "):
		d, err := parseInterval(strings.TrimSpace(strings.TrimPrefix(trimmed, "every ")))
		if err != nil {
			return Schedule{}, fmt.Errorf(`schedule %q: the interval is not a duration like "30m", "1h" or "7d": %w`, s, err)
		}
		if d < time.Second {
			return Schedule{}, fmt.Errorf("schedule %q: the interval must be at least 1s", s)
		}
		return Schedule{raw: trimmed, every: d}, nil
	case strings.HasPrefix(trimmed, "@"):
		expr, ok := macros[strings.ToLower(trimmed)]
		if !ok {
			return Schedule{}, fmt.Errorf("schedule %q: not a macro argus knows; use %s", s, scheduleForms)
		}
		c, err := cronParser.Parse(expr)
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err) // the table above is wrong
		}
		return Schedule{raw: trimmed, cron: c}, nil
	}
	if n := len(strings.Fields(trimmed)); n != 5 {
		return Schedule{}, fmt.Errorf("schedule %q: %s; a cron expression has 5 (minute hour day-of-month month day-of-week). Use %s", s, plural(n, "field"), scheduleForms)
	}
	c, err := cronParser.Parse(trimmed)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: invalid cron expression: %w", s, err)
	}
	return Schedule{raw: trimmed, cron: c}, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// parseInterval is time.ParseDuration plus a leading "<n>d" for days of 24h ("7d", "1d12h").
func parseInterval(s string) (time.Duration, error) {
	days, rest, ok := strings.Cut(s, "d")
	if !ok {
		return time.ParseDuration(s)
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 0 || n > 100000 {
		return 0, fmt.Errorf("%q: the days before \"d\" must be a whole number", s)
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil {
			return 0, err
		}
		d += r
	}
	return d, nil
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
