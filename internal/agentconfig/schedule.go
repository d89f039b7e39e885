package agentconfig

import (
	"fmt"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/schedule"
)

// agentDefaultSchedule is the schedule of a plugin whose config sets none.
const agentDefaultSchedule = "* * * * *"

// descriptors are the agent's cron shorthands (its scheduler, robfig/cron, accepts them);
// argus takes 5-field expressions only, so each is written out.
var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// convertSchedule turns the agent's schedule into argus's, with notes for a comment when the
// meaning shifts. The agent reads a 5-field cron (or a descriptor, or @every), optionally
// prefixed by TZ=ZONE or CRON_TZ=ZONE, in the machine's local time zone; argus reads cron in
// UTC.
func convertSchedule(s string) (string, []string, error) {
	spec := strings.TrimSpace(s)
	var notes []string
	var zone string
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		i := strings.IndexAny(spec, " \t")
		if i < 0 {
			return "", nil, fmt.Errorf("schedule %q names a time zone but no schedule after it. Write a cron expression like \"0 3 * * *\"", s)
		}
		zone = spec[strings.Index(spec, "=")+1 : i]
		if _, err := time.LoadLocation(zone); err != nil {
			return "", nil, fmt.Errorf("schedule %q: unknown time zone %q, so the agent never scheduled this plugin. Fix the zone, or remove the prefix", s, zone)
		}
		spec = strings.TrimSpace(spec[i:])
	}
	out := spec
	isEvery := false
	switch {
	case strings.HasPrefix(spec, "@every "):
		text := strings.TrimSpace(strings.TrimPrefix(spec, "@every "))
		d, err := time.ParseDuration(text)
		if err != nil || d <= 0 {
			return "", nil, fmt.Errorf("schedule %q: the interval is not a positive duration like \"30m\" or \"1h\", so the agent never scheduled this plugin. Fix it, or remove it for the default (%q)", s, agentDefaultSchedule)
		}
		// The agent's scheduler runs @every at whole seconds, and at least every second.
		r := max(d.Truncate(time.Second), time.Second)
		if r != d {
			notes = append(notes, fmt.Sprintf("the agent ran @every %s as every %s (whole seconds)", d, r))
		}
		if r != d {
			text = r.String()
		}
		out = "every " + text
		isEvery = true
		zone = "" // an interval has no time zone
	case strings.HasPrefix(spec, "@"):
		c, ok := descriptors[spec]
		if !ok {
			return "", nil, fmt.Errorf("schedule %q is not a cron shorthand the agent knows (@hourly, @daily, @weekly, @monthly, @yearly, @every <duration>), so the agent never scheduled this plugin. Fix it, or remove it for the default (%q)", s, agentDefaultSchedule)
		}
		out = c
	}
	if !isEvery && len(strings.Fields(out)) != 5 {
		return "", nil, fmt.Errorf("schedule %q is not a 5-field cron expression (minute hour day-of-month month day-of-week), so the agent never scheduled this plugin. Fix it, or remove it for the default (%q)", s, agentDefaultSchedule)
	}
	if _, err := schedule.Parse(out); err != nil {
		return "", nil, fmt.Errorf("%w; the agent never scheduled this plugin. Fix it, or remove it for the default (%q)", err, agentDefaultSchedule)
	}
	if !isEvery && !minutesOnly(out) {
		if zone != "" {
			notes = append(notes, fmt.Sprintf("the agent read this in %s; argus reads cron in UTC: shift the hours if it matters", zone))
		} else {
			notes = append(notes, "the agent read this in the machine's local time zone; argus reads cron in UTC: shift the hours if the machine is not on UTC")
		}
	}
	return out, notes, nil
}

// minutesOnly reports whether a cron expression restricts nothing but the minute, so that
// the time zone does not change when it fires (up to zones with sub-hour offsets).
func minutesOnly(cron string) bool {
	f := strings.Fields(cron)
	if len(f) != 5 {
		return false
	}
	for _, x := range f[1:] {
		if x != "*" && x != "?" {
			return false
		}
	}
	return true
}
