package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// OSCALVersion is the OSCAL version of the assessment-results documents argus writes.
const OSCALVersion = "1.1.3"

// oscalNS is the namespace of argus's own props: OSCAL reserves props without a namespace for
// the names it registers.
const oscalNS = "https://github.com/compliance-framework/argus/ns/oscal"

// The OSCAL model, reduced to the fields argus fills. Every array is omitempty because the
// schema gives each one minItems 1, and every optional string is omitempty because the
// schema's string types reject "".
type oscalDoc struct {
	AssessmentResults oscalAR `json:"assessment-results"`
}

type oscalAR struct {
	UUID     string        `json:"uuid"`
	Metadata oscalMetadata `json:"metadata"`
	ImportAP oscalImportAP `json:"import-ap"`
	Results  []oscalResult `json:"results"`
}

type oscalMetadata struct {
	Title        string      `json:"title"`
	LastModified string      `json:"last-modified"`
	Version      string      `json:"version"`
	OSCALVersion string      `json:"oscal-version"`
	Props        []oscalProp `json:"props,omitempty"`
}

type oscalProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
}

type oscalImportAP struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

type oscalResult struct {
	UUID             string                `json:"uuid"`
	Title            string                `json:"title"`
	Description      string                `json:"description"`
	Start            string                `json:"start"`
	End              string                `json:"end,omitempty"`
	Props            []oscalProp           `json:"props,omitempty"`
	ReviewedControls oscalReviewedControls `json:"reviewed-controls"`
	Observations     []oscalObservation    `json:"observations,omitempty"`
	Risks            []oscalRisk           `json:"risks,omitempty"`
	Findings         []oscalFinding        `json:"findings,omitempty"`
}

// oscalRisk records a waiver as what OSCAL calls an approved deviation: the risk of the
// failed check is known and accepted, with a deadline (the waiver's expiry).
type oscalRisk struct {
	UUID                string                    `json:"uuid"`
	Title               string                    `json:"title"`
	Description         string                    `json:"description"`
	Statement           string                    `json:"statement"`
	Props               []oscalProp               `json:"props,omitempty"`
	Status              string                    `json:"status"`
	Deadline            string                    `json:"deadline,omitempty"`
	RelatedObservations []oscalRelatedObservation `json:"related-observations,omitempty"`
	// remarks is not in OSCAL's risk (which has none): the finding that refers to the risk
	// carries it.
	remarks string
}

type oscalRelatedRisk struct {
	RiskUUID string `json:"risk-uuid"`
}

type oscalReviewedControls struct {
	ControlSelections []oscalControlSelection `json:"control-selections"`
}

type oscalControlSelection struct {
	Props           []oscalProp          `json:"props,omitempty"`
	IncludeAll      *struct{}            `json:"include-all,omitempty"`
	IncludeControls []oscalSelectControl `json:"include-controls,omitempty"`
}

type oscalSelectControl struct {
	ControlID string `json:"control-id"`
}

type oscalObservation struct {
	UUID             string            `json:"uuid"`
	Title            string            `json:"title,omitempty"`
	Description      string            `json:"description"`
	Props            []oscalProp       `json:"props,omitempty"`
	Methods          []string          `json:"methods"`
	Subjects         []oscalSubjectRef `json:"subjects,omitempty"`
	RelevantEvidence []oscalEvidence   `json:"relevant-evidence,omitempty"`
	Collected        string            `json:"collected"`
	Remarks          string            `json:"remarks,omitempty"`
}

type oscalSubjectRef struct {
	SubjectUUID string      `json:"subject-uuid"`
	Type        string      `json:"type"`
	Title       string      `json:"title,omitempty"`
	Props       []oscalProp `json:"props,omitempty"`
}

type oscalEvidence struct {
	Description string `json:"description"`
	Remarks     string `json:"remarks,omitempty"`
}

type oscalFinding struct {
	UUID                string                    `json:"uuid"`
	Title               string                    `json:"title"`
	Description         string                    `json:"description"`
	Props               []oscalProp               `json:"props,omitempty"`
	Target              oscalTarget               `json:"target"`
	RelatedObservations []oscalRelatedObservation `json:"related-observations,omitempty"`
	RelatedRisks        []oscalRelatedRisk        `json:"related-risks,omitempty"`
	Remarks             string                    `json:"remarks,omitempty"`
}

type oscalTarget struct {
	Type     string      `json:"type"`
	TargetID string      `json:"target-id"`
	Status   oscalStatus `json:"status"`
}

type oscalStatus struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

type oscalRelatedObservation struct {
	ObservationUUID string `json:"observation-uuid"`
}

// prop builds an argus prop; ok is false when value is empty once made a valid OSCAL string
// (one line, no surrounding space), because the schema rejects an empty value.
func prop(name, value string) (oscalProp, bool) {
	value = strings.Join(strings.Fields(value), " ")
	if value == "" {
		return oscalProp{}, false
	}
	return oscalProp{Name: name, NS: oscalNS, Value: value}, true
}

// props collects name/value pairs, skipping empty values.
type props []oscalProp

func (p *props) add(name, value string) {
	if pr, ok := prop(name, value); ok {
		*p = append(*p, pr)
	}
}

func writeOSCAL(w io.Writer, run *result.Run, opts Options) error {
	start := firstSet(run.Started, run.Ended)
	if start.IsZero() {
		return errors.New("the run has no start time: OSCAL requires one")
	}
	end := firstSet(run.Ended, run.Started)
	t := run.Tally()

	res := oscalResult{
		UUID:  stableUUID(run.ID, "oscal-result"),
		Title: "argus assessment " + run.ID,
		Description: fmt.Sprintf("%d results from %d jobs: %d pass, %d fail, %d error, %d skip.",
			t.Total(), len(run.Jobs), t.Pass, t.Fail+t.Waived, t.Error, t.Skip),
		Start: timestamp(start),
		End:   timestamp(end),
	}
	if t.Waived > 0 {
		res.Description += fmt.Sprintf(" %d of the failures are waived (an approved deviation, see risks).", t.Waived)
	}
	if run.Config != "" {
		res.Description += " Configuration: " + run.Config + "."
	}
	var rp props
	rp.add("run-id", run.ID)
	rp.add("config", run.Config)
	res.Props = rp

	tokenControls := map[string]bool{}
	otherControls := map[string]bool{}
	for ji, j := range run.Jobs {
		for ri, r := range j.Results {
			ids := controls(j, r)
			for _, c := range ids {
				if isToken(c) {
					tokenControls[c] = true
				} else {
					otherControls[c] = true
				}
			}
			key := []string{run.ID, j.Name, j.Subject.Type, j.Subject.Identifier, r.Title, fmt.Sprint(ji, "/", ri)}
			obs := buildObservation(run, j, r, ids, key)
			res.Observations = append(res.Observations, obs)
			var risk *oscalRisk
			if w, ok := j.Waiver(r); ok {
				risk = buildRisk(j, r, w, key, obs.UUID)
				res.Risks = append(res.Risks, *risk)
			}
			res.Findings = append(res.Findings, buildFindings(j, r, ids, key, obs.UUID, risk)...)
		}
	}
	res.ReviewedControls = reviewedControls(tokenControls, otherControls)

	doc := oscalDoc{AssessmentResults: oscalAR{
		UUID: stableUUID(run.ID, "oscal-assessment-results"),
		Metadata: oscalMetadata{
			Title:        opts.toolName() + " assessment results",
			LastModified: timestamp(end),
			Version:      opts.toolVersion(),
			OSCALVersion: OSCALVersion,
		},
		// argus runs jobs from its configuration, not from an OSCAL assessment plan, yet the
		// schema requires import-ap: "#" is a valid reference to this document, and the
		// remarks say where the jobs came from.
		ImportAP: oscalImportAP{
			Href:    "#",
			Remarks: "argus has no OSCAL assessment plan: the assessment is defined by its job configuration" + configSuffix(run.Config),
		},
		Results: []oscalResult{res},
	}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

func configSuffix(config string) string {
	if config == "" {
		return "."
	}
	return " (" + config + ")."
}

func reviewedControls(tokens, others map[string]bool) oscalReviewedControls {
	sel := oscalControlSelection{}
	for _, c := range sortedKeys(tokens) {
		sel.IncludeControls = append(sel.IncludeControls, oscalSelectControl{ControlID: c})
	}
	// Ids that are not OSCAL tokens (CIS-style "3.3.1") cannot be control-ids; they are kept
	// as props so nothing is lost.
	var p props
	for _, c := range sortedKeys(others) {
		p.add("control", c)
	}
	sel.Props = p
	if len(sel.IncludeControls) == 0 {
		// No job named a control argus could reference: the schema needs a selection, and
		// include-all is the honest one when the jobs were not scoped to controls.
		sel.IncludeAll = &struct{}{}
	}
	return oscalReviewedControls{ControlSelections: []oscalControlSelection{sel}}
}

func buildObservation(run *result.Run, j result.Job, r sdk.Result, ids []string, key []string) oscalObservation {
	obs := oscalObservation{
		UUID:      stableUUID(append([]string{"observation"}, key...)...),
		Title:     j.Name + ": " + r.Title,
		Methods:   []string{"TEST"},
		Collected: timestamp(firstSet(j.End, j.Start, run.Ended, run.Started)),
		Remarks:   r.Remarks,
	}
	desc := r.Description
	if strings.TrimSpace(desc) == "" {
		desc = j.Description
	}
	if strings.TrimSpace(desc) == "" {
		desc = r.Title
	}
	for _, o := range r.Observations {
		line := "- " + o.Title
		if o.Description != "" {
			line += ": " + o.Description
		}
		desc += "\n" + line
	}
	obs.Description = desc

	var p props
	p.add("job", j.Name)
	p.add("provider", j.Provider)
	p.add("status", string(r.Status))
	p.add("severity", string(r.Severity))
	if w, ok := j.Waiver(r); ok {
		p.add("waiver", w.Name)
	}
	for _, c := range ids {
		if !isToken(c) {
			p.add("control", c)
		}
	}
	for _, k := range sortedKeys(labelSet(j.Labels, r.Labels)) {
		p.add("label", k)
	}
	obs.Props = p

	if j.Subject.Identifier != "" || j.Subject.Type != "" {
		typ := j.Subject.Type
		var sp props
		if !isToken(typ) {
			sp.add("subject-type", typ)
			typ = "resource"
		}
		sp.add("identifier", j.Subject.Identifier)
		obs.Subjects = []oscalSubjectRef{{
			// Not run-scoped: the same subject has the same UUID in every run.
			SubjectUUID: stableUUID("subject", j.Subject.Type, j.Subject.Identifier),
			Type:        typ,
			Title:       j.Subject.Identifier,
			Props:       sp,
		}}
	}

	for _, o := range r.Observations {
		if len(o.Evidence) == 0 {
			continue
		}
		ev := oscalEvidence{Description: o.Title}
		if o.Description != "" {
			ev.Description += "\n\n" + o.Description
		}
		if b, err := json.Marshal(o.Evidence); err == nil {
			ev.Remarks = string(b)
		}
		obs.RelevantEvidence = append(obs.RelevantEvidence, ev)
	}
	return obs
}

// labelSet renders job and result labels (the result's win) as sorted "k=v" strings.
func labelSet(job, res map[string]string) map[string]bool {
	merged := map[string]string{}
	for k, v := range job {
		merged[k] = v
	}
	for k, v := range res {
		merged[k] = v
	}
	out := map[string]bool{}
	for k, v := range merged {
		out[k+"="+v] = true
	}
	return out
}

// buildRisk is the approved deviation a waiver records for one failed result.
func buildRisk(j result.Job, r sdk.Result, w waiver.Waiver, key []string, obsUUID string) *oscalRisk {
	var p props
	p.add("waiver", w.Name)
	p.add("approved-by", w.ApprovedBy)
	p.add("severity", string(r.Severity))
	p.add("declared-at", w.Where())
	statement := w.Reason
	if w.ApprovedBy != "" {
		statement += " (approved by " + w.ApprovedBy + ")"
	}
	desc := r.Reason
	if strings.TrimSpace(desc) == "" {
		desc = fmt.Sprintf("%s: %s", r.Title, r.Status)
	}
	return &oscalRisk{
		UUID:                stableUUID(append([]string{"risk", w.Name}, key...)...),
		Title:               fmt.Sprintf("Waived: %s: %s", j.Name, r.Title),
		Description:         desc,
		Statement:           statement,
		Props:               p,
		Status:              "deviation-approved",
		Deadline:            timestamp(w.End()),
		RelatedObservations: []oscalRelatedObservation{{ObservationUUID: obsUUID}},
		remarks:             fmt.Sprintf("Waiver %q accepts this failure until %s (UTC); it is not a pass, and the check stays not-satisfied.", w.Name, w.ExpiresText()),
	}
}

func buildFindings(j result.Job, r sdk.Result, ids []string, key []string, obsUUID string, risk *oscalRisk) []oscalFinding {
	var status oscalStatus
	switch r.Status {
	case sdk.StatusPass:
		status = oscalStatus{State: "satisfied", Reason: "pass"}
	case sdk.StatusFail:
		status = oscalStatus{State: "not-satisfied", Reason: "fail"}
	case sdk.StatusError:
		// The check could not be completed, so the target cannot be called satisfied.
		status = oscalStatus{State: "not-satisfied", Reason: "other", Remarks: "The check could not be completed."}
	default:
		// A skipped check judged nothing: it is an observation without a finding.
		return nil
	}
	desc := r.Reason
	if strings.TrimSpace(desc) == "" {
		desc = fmt.Sprintf("%s: %s", r.Title, r.Status)
	}

	var targets []string
	var p props
	p.add("job", j.Name)
	p.add("severity", string(r.Severity))
	if w, ok := j.Waiver(r); ok {
		p.add("waiver", w.Name)
	}
	for _, c := range ids {
		if isToken(c) {
			targets = append(targets, c)
		} else {
			p.add("control", c)
		}
	}
	if len(targets) == 0 {
		// Nothing OSCAL can reference: the finding targets the job itself.
		targets = []string{tokenize(j.Name)}
	}

	var remarks []string
	if r.Status != sdk.StatusPass && j.Remediation != "" {
		remarks = append(remarks, "Remediation: "+j.Remediation)
	}
	var related []oscalRelatedRisk
	if risk != nil {
		status.Remarks = strings.TrimSpace(status.Remarks + " " + risk.remarks)
		remarks = append(remarks, risk.remarks)
		related = []oscalRelatedRisk{{RiskUUID: risk.UUID}}
	}
	var out []oscalFinding
	for _, target := range targets {
		out = append(out, oscalFinding{
			RelatedRisks: related,
			Remarks:      strings.Join(remarks, "\n\n"),
			UUID:         stableUUID(append([]string{"finding", target}, key...)...),
			Title:        r.Title,
			Description:  desc,
			Props:        p,
			Target: oscalTarget{
				Type:     "objective-id",
				TargetID: target,
				Status:   status,
			},
			RelatedObservations: []oscalRelatedObservation{{ObservationUUID: obsUUID}},
		})
	}
	return out
}

// tokenize turns s into an OSCAL token: characters a token cannot hold become "-", and a
// leading character that cannot start one is preceded by "_".
func tokenize(s string) string {
	if isToken(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isToken("a" + string(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	t := b.String()
	if !isToken(t) {
		t = "_" + t
	}
	return t
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
