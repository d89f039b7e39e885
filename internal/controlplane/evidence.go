package controlplane

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
	"github.com/google/uuid"
)

// Evidence is the body of POST /api/evidence. The API binds field names case-insensitively
// (its request type has no JSON tags) and validates nothing but "start and end not in the
// future"; argus always fills uuid, title, labels, start, end and status, which the fake control
// plane insists on.
type Evidence struct {
	// UUID identifies the stream: the same check of the same subject over time (SeededUUID).
	UUID        uuid.UUID         `json:"uuid"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Remarks     string            `json:"remarks,omitempty"`
	Labels      map[string]string `json:"labels"`
	Start       time.Time         `json:"start"`
	End         time.Time         `json:"end"`
	Status      Status            `json:"status"`
	Subjects    []Subject         `json:"subjects,omitempty"`
	Props       []Prop            `json:"props,omitempty"`
	Activities  []Activity        `json:"activities,omitempty"`
}

// Status is an OSCAL objective status.
type Status struct {
	State   string `json:"state"`            // StateSatisfied or StateNotSatisfied
	Reason  string `json:"reason,omitempty"` // OSCAL: "pass", "fail" or "other"
	Remarks string `json:"remarks,omitempty"`
}

// The two states OSCAL (and the API's compliance views) know.
const (
	StateSatisfied    = "satisfied"
	StateNotSatisfied = "not-satisfied"
)

// Subject is what the evidence is about.
type Subject struct {
	Identifier string `json:"identifier"`
	Type       string `json:"type"`
}

// Prop is an OSCAL property.
type Prop struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Activity is what was done to collect the evidence; argus records one per result, with one
// step per observation.
type Activity struct {
	UUID        uuid.UUID `json:"uuid"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Remarks     string    `json:"remarks,omitempty"`
	Steps       []Step    `json:"steps,omitempty"`
}

// Step is one observation of an activity.
type Step struct {
	UUID        uuid.UUID `json:"uuid"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Remarks     string    `json:"remarks,omitempty"`
}

// Labels argus adds to every result's labels. They are part of the stream UUID's seed and
// override job and result labels of the same name.
const (
	LabelJob      = "_job"
	LabelProvider = "_provider"
	LabelSubject  = "_subject"
	LabelTitle    = "_title"
)

// maxStepRemarks bounds the JSON of one observation's evidence copied into a step's remarks.
const maxStepRemarks = 16 << 10

// NewEvidence maps one provider result to the API's Evidence.
//
//   - pass → satisfied (reason "pass"); fail → not-satisfied (reason "fail").
//   - error → not-satisfied with reason "other" and the error in the status remarks: the API
//     accepts any state string, but its compliance views only know satisfied and not-satisfied
//     (anything else is "unknown"), and OSCAL allows only those two. A check that could not be
//     performed must not leave a stream looking satisfied.
//   - a waived fail stays not-satisfied: the waiver (name, expiry, reason, approver) is added
//     to the remarks and as argus-waiver* props, because a waiver is a decision, not a pass.
//   - skip → ok is false: a skip asserts nothing, so there is nothing to send; the result still
//     appears in the local reports.
//
// The stream UUID is SeededUUID of the labels argus controls: the job's (from the operator's
// configuration or the control plane's job spec), then _job, _provider, _subject (the subject's
// identifier) and _title (the result's title). The labels a provider returns are on the evidence
// but not in the seed, and lose to argus's on a clash, so that a provider cannot choose a label
// that moves its result into another stream. (The title is the provider's and is in the seed:
// see "Stream identity" in docs/design-notes.md for what that leaves open.) Start and End are the
// job's, clamped so that neither is after now nor start after end.
func NewEvidence(run *result.Run, job result.Job, res sdk.Result, now time.Time) (ev Evidence, ok bool) {
	var status Status
	switch res.Status {
	case sdk.StatusPass:
		status = Status{State: StateSatisfied, Reason: "pass", Remarks: res.Reason}
	case sdk.StatusFail:
		status = Status{State: StateNotSatisfied, Reason: "fail", Remarks: res.Reason}
	case sdk.StatusError:
		status = Status{State: StateNotSatisfied, Reason: "other", Remarks: "the check could not be completed: " + res.Reason}
	default:
		return Evidence{}, false
	}

	seed := StreamLabels(job, res.Title)
	stream := SeededUUID(seed)
	labels := make(map[string]string, len(res.Labels)+len(seed))
	maps.Copy(labels, res.Labels)
	maps.Copy(labels, seed)

	start, end := clampTimes(job.Start, job.End, now)
	ev = Evidence{
		UUID:        stream,
		Title:       res.Title,
		Description: res.Description,
		Remarks:     res.Remarks,
		Labels:      labels,
		Start:       start,
		End:         end,
		Status:      status,
		Props:       []Prop{{Name: "argus-status", Value: string(res.Status)}},
	}
	if res.Severity != "" {
		ev.Props = append(ev.Props, Prop{Name: "argus-severity", Value: string(res.Severity)})
	}
	if w, ok := job.Waiver(res); ok {
		// A waiver is a decision, not a pass: the state stays not-satisfied, and the waiver
		// travels with it for whoever reviews the stream.
		note := fmt.Sprintf("Waived by %q until %s: %s", w.Name, w.ExpiresText(), w.Reason)
		if w.ApprovedBy != "" {
			note += " (approved by " + w.ApprovedBy + ")"
		}
		ev.Status.Remarks = strings.TrimSpace(ev.Status.Remarks + "\n" + note)
		ev.Remarks = strings.TrimSpace(ev.Remarks + "\n\n" + note)
		ev.Props = append(ev.Props,
			Prop{Name: "argus-waiver", Value: w.Name},
			Prop{Name: "argus-waiver-expires", Value: w.ExpiresText()},
			Prop{Name: "argus-waiver-reason", Value: w.Reason})
		if w.ApprovedBy != "" {
			ev.Props = append(ev.Props, Prop{Name: "argus-waiver-approved-by", Value: w.ApprovedBy})
		}
	}
	runID := ""
	if run != nil {
		runID = run.ID
		ev.Props = append(ev.Props, Prop{Name: "argus-run-id", Value: run.ID})
	}
	for _, c := range res.Controls {
		ev.Props = append(ev.Props, Prop{Name: "control", Value: c})
	}
	if job.Subject.Identifier != "" {
		ev.Subjects = []Subject{{Identifier: job.Subject.Identifier, Type: job.Subject.Type}}
	}
	if len(res.Observations) > 0 {
		// The API stores activities by their UUID and ignores one it already has, so each run
		// needs its own: derived from the stream and the run, stable across redeliveries.
		act := Activity{
			UUID:  uuid.NewSHA1(stream, []byte("activity/"+runID)),
			Title: fmt.Sprintf("argus job %q (provider %s)", job.Name, job.Provider),
		}
		for i, o := range res.Observations {
			st := Step{
				UUID:        uuid.NewSHA1(stream, fmt.Appendf(nil, "step/%s/%d", runID, i)),
				Title:       o.Title,
				Description: o.Description,
			}
			if len(o.Evidence) > 0 {
				if b, err := json.Marshal(o.Evidence); err == nil {
					st.Remarks = string(b)
					if len(st.Remarks) > maxStepRemarks {
						st.Remarks = st.Remarks[:maxStepRemarks] + "…"
					}
				}
			}
			act.Steps = append(act.Steps, st)
		}
		ev.Activities = []Activity{act}
	}
	return ev, true
}

// StreamLabels are the labels a result's stream UUID is seeded from: the job's labels, then
// argus's own _job, _provider, _subject and _title. Nothing in them comes from the provider but
// the title.
func StreamLabels(job result.Job, title string) map[string]string {
	labels := make(map[string]string, len(job.Labels)+4)
	maps.Copy(labels, job.Labels)
	labels[LabelJob] = job.Name
	labels[LabelProvider] = job.Provider
	labels[LabelSubject] = job.Subject.Identifier
	labels[LabelTitle] = title
	return labels
}

// clampTimes keeps start and end at or before now and start at or before end. A zero time
// means "unknown" and becomes now (for end) or end (for start).
func clampTimes(start, end, now time.Time) (time.Time, time.Time) {
	now = now.UTC()
	if end.IsZero() || end.After(now) {
		end = now
	}
	if start.IsZero() || start.After(end) {
		start = end
	}
	return start.UTC(), end.UTC()
}
