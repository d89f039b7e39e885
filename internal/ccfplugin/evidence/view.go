package evidence

import (
	"github.com/compliance-framework/argus/sdk"
)

// Result is how one evidence appears in argus's own reports: satisfied is a pass,
// not-satisfied a fail.
func (e Evidence) Result() sdk.Result {
	status := sdk.StatusPass
	if e.Status.State != StateSatisfied {
		status = sdk.StatusFail
	}
	reason := e.Status.Reason
	if e.Status.Remarks != "" {
		if reason != "" {
			reason += ": "
		}
		reason += e.Status.Remarks
	}
	r := sdk.Result{
		Title:       e.Title,
		Description: e.Description,
		Status:      status,
		Reason:      reason,
		Labels:      e.Labels,
		Remarks:     e.Remarks,
	}
	// sdk.Result has one subject per job, an evidence may have several: each becomes an
	// observation that names it, so reports show what the evidence is about.
	for _, s := range e.Subjects {
		obs := sdk.Observation{
			Title:       "subject " + s.Type + " " + s.Identifier,
			Description: s.Description,
			Evidence:    map[string]any{"type": s.Type, "identifier": s.Identifier},
		}
		if s.Remarks != "" {
			obs.Evidence["remarks"] = s.Remarks
		}
		r.Observations = append(r.Observations, obs)
	}
	return r
}

// ProblemResult is how a refused evidence appears in argus's reports: an error result that
// says which plugin, which evidence and which field.
func ProblemResult(p *Problem) sdk.Result {
	return sdk.Result{
		Title:  "invalid evidence from plugin " + p.Plugin,
		Status: sdk.StatusError,
		Reason: p.Error(),
	}
}
