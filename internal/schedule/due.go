package schedule

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Candidate is a job as the scheduler sees it.
type Candidate struct {
	Name     string
	Schedule Schedule
	SpecHash string
	// Last is what the state file says of the job's previous run; nil when it never ran.
	Last *Last
}

// Last is the part of a job's previous run that decides whether it is due.
type Last struct {
	SpecHash string
	Start    time.Time
	// Unfinished is set when the previous run started but never recorded an end: argus was
	// killed or interrupted before the job finished, so its result was never recorded.
	Unfinished bool
}

// Decision says whether one job is due now and why.
type Decision struct {
	Name   string
	Due    bool
	Reason string
	// Next is when the job comes round again: for a due job, the next time after this run;
	// for a job that is not due, when it will be. Zero for "always".
	Next time.Time
	// Warning is set when the state contradicts the clock: the previous run started after now,
	// so the clock was set back since (or was ahead then). The job is due regardless, because
	// waiting for a start time that may be days ahead would silence it until then.
	Warning string
}

// Decide applies a job's schedule to its last run. force makes the job due whatever its
// schedule says (--all, --job).
func Decide(c Candidate, now time.Time, force string) Decision {
	d := Decision{Name: c.Name}
	future := c.Last != nil && !c.Last.Start.IsZero() && c.Last.Start.After(now)
	if future {
		d.Warning = fmt.Sprintf("job %q last started at %s, later than this machine's clock says it is now (%s): the clock was set back, or was ahead then; running the job now instead of waiting (check the clock: NTP)",
			c.Name, c.Last.Start.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	switch {
	case force != "":
		d.Due, d.Reason = true, force
	case c.Last == nil || c.Last.Start.IsZero():
		d.Due, d.Reason = true, "never ran"
	case c.Last.SpecHash != c.SpecHash:
		d.Due, d.Reason = true, "job spec changed since last run"
	case c.Last.Unfinished:
		d.Due, d.Reason = true, "previous run did not finish (argus was interrupted or killed)"
	case c.Schedule.IsAlways():
		d.Due, d.Reason = true, `schedule is "always"`
	case future:
		d.Due, d.Reason = true, fmt.Sprintf("last start %s is in the future (check the clock)", c.Last.Start.UTC().Format(time.RFC3339))
	default:
		next := c.Schedule.Next(c.Last.Start)
		if !now.Before(next) {
			d.Due = true
			d.Reason = fmt.Sprintf("%s came round at %s (last start %s)", c.Schedule, next.UTC().Format(time.RFC3339), c.Last.Start.UTC().Format(time.RFC3339))
		} else {
			d.Reason = fmt.Sprintf("%s: last started %s", c.Schedule, c.Last.Start.UTC().Format(time.RFC3339))
			d.Next = next
			return d
		}
	}
	d.Next = c.Schedule.Next(now)
	return d
}

// Shard is one part of a job set split N ways: --shard I/N keeps the jobs whose stable hash
// falls in part I, so N machines (or a CI matrix) split one job set without coordinating.
type Shard struct {
	Index int // 1-based
	Count int // 0 means no sharding
}

// ParseShard reads "I/N" with 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || count < 1 || index < 1 || index > count {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 1 <= I <= N, e.g. 2/4", s)
	}
	return Shard{Index: index, Count: count}, nil
}

// Contains reports whether the job named name belongs to this shard. The hash is of the name
// only, so a job stays in its shard whatever else changes in the job set.
func (s Shard) Contains(name string) bool {
	if s.Count <= 1 {
		return true
	}
	if s.Index < 1 || s.Index > s.Count {
		return false // a Shard not made by ParseShard: no job is in a shard that does not exist
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(name)) // hash.Hash.Write never returns an error
	return h.Sum64()%uint64(s.Count) == uint64(s.Index-1)
}
