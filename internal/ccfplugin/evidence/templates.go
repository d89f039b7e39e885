package evidence

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/ccfplugin/ccfpb"
	"github.com/compliance-framework/argus/internal/controlplane"
)

// RiskTemplateBatch is the body of POST /api/agent/risk-templates/batch.
//
// The API binds these bodies by case-insensitive field name; the keys here are the protocol's
// field names in lower camel case.
type RiskTemplateBatch struct {
	PackageName   string         `json:"packageName"`
	RiskTemplates []RiskTemplate `json:"riskTemplates"`
}

// RiskTemplate is one risk template, enriched as the agent does (active, tasks numbered).
type RiskTemplate struct {
	UUID            string        `json:"uuid,omitempty"`
	PolicyPackage   string        `json:"policyPackage"`
	Name            string        `json:"name"`
	Title           string        `json:"title"`
	Statement       string        `json:"statement"`
	LikelihoodHint  string        `json:"likelihoodHint,omitempty"`
	ImpactHint      string        `json:"impactHint,omitempty"`
	ViolationIDs    []string      `json:"violationIds,omitempty"`
	ThreatRefs      []ThreatRef   `json:"threatRefs,omitempty"`
	Remediation     *Remediation  `json:"remediation,omitempty"`
	DedupeLabelKeys []string      `json:"dedupeLabelKeys,omitempty"`
	LabelSchema     []LabelSchema `json:"labelSchema,omitempty"`
	IsActive        bool          `json:"isActive"`
}

// ThreatRef points at a threat catalogue entry.
type ThreatRef struct {
	System     string `json:"system"`
	ExternalID string `json:"externalId"`
	Title      string `json:"title,omitempty"`
	URL        string `json:"url,omitempty"`
}

// Remediation is how to fix a risk.
type Remediation struct {
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Tasks       []RemediationTask `json:"tasks,omitempty"`
}

// RemediationTask is one step of a remediation; OrderIndex is its position, 0..n-1.
type RemediationTask struct {
	Title      string `json:"title"`
	OrderIndex int    `json:"orderIndex"`
}

// LabelSchema documents a label key.
type LabelSchema struct {
	Key         string `json:"key"`
	Description string `json:"description,omitempty"`
}

// SubjectTemplateBatch is the body of POST /api/agent/subject-templates/batch.
type SubjectTemplateBatch struct {
	SubjectTemplates []SubjectTemplate `json:"subjectTemplates"`
}

// SubjectTemplate is one subject template, enriched as the agent does.
type SubjectTemplate struct {
	ID                  uuid.UUID       `json:"id"`
	Name                string          `json:"name"`
	Type                string          `json:"type"`
	TitleTemplate       string          `json:"titleTemplate"`
	DescriptionTemplate string          `json:"descriptionTemplate,omitempty"`
	PurposeTemplate     string          `json:"purposeTemplate,omitempty"`
	RemarksTemplate     string          `json:"remarksTemplate,omitempty"`
	IdentityLabelKeys   []string        `json:"identityLabelKeys,omitempty"`
	Props               []SubjectProp   `json:"props,omitempty"`
	Links               []SubjectLink   `json:"links,omitempty"`
	SelectorLabels      []LabelSelector `json:"selectorLabels"`
	LabelSchema         []LabelSchema   `json:"labelSchema,omitempty"`
	SourceMode          string          `json:"sourceMode"`
}

// SubjectProp is a templated property.
type SubjectProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SubjectLink is a templated link.
type SubjectLink struct {
	Href string `json:"href"`
}

// LabelSelector selects evidence by label.
type LabelSelector struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SourceModeRuntime marks subject templates that come from a plugin at run time.
const SourceModeRuntime = "runtime-derived"

// RiskTemplates enriches an UpsertRiskTemplates call. A template without a name or title is a
// problem (Index is its position); the others stand.
func RiskTemplates(plugin string, req *ccfpb.UpsertRiskTemplatesRequest) (RiskTemplateBatch, []*Problem) {
	out := RiskTemplateBatch{PackageName: req.GetPackageName()}
	var problems []*Problem
	for i, t := range req.GetRiskTemplates() {
		if strings.TrimSpace(t.GetName()) == "" {
			problems = append(problems, &Problem{Plugin: plugin, Index: i, UUID: t.GetUUID(), Field: "RiskTemplates.Name", Reason: "is empty"})
			continue
		}
		rt := RiskTemplate{
			UUID:            t.GetUUID(),
			PolicyPackage:   t.GetPolicyPackage(),
			Name:            t.GetName(),
			Title:           t.GetTitle(),
			Statement:       t.GetStatement(),
			LikelihoodHint:  t.GetLikelihoodHint(),
			ImpactHint:      t.GetImpactHint(),
			ViolationIDs:    t.GetViolationIds(),
			DedupeLabelKeys: t.GetDedupeLabelKeys(),
			IsActive:        true,
		}
		for _, r := range t.GetThreatRefs() {
			rt.ThreatRefs = append(rt.ThreatRefs, ThreatRef{System: r.GetSystem(), ExternalID: r.GetExternalID(), Title: r.GetTitle(), URL: r.GetUrl()})
		}
		if r := t.GetRemediation(); r != nil {
			rem := &Remediation{Title: r.GetTitle(), Description: r.GetDescription()}
			for j, task := range r.GetTasks() {
				rem.Tasks = append(rem.Tasks, RemediationTask{Title: task.GetTitle(), OrderIndex: j})
			}
			rt.Remediation = rem
		}
		for _, l := range t.GetLabelSchema() {
			rt.LabelSchema = append(rt.LabelSchema, LabelSchema{Key: l.GetKey(), Description: l.GetDescription()})
		}
		out.RiskTemplates = append(out.RiskTemplates, rt)
	}
	return out, problems
}

// SubjectTemplates enriches an UpsertSubjectTemplates call: an id (the plugin's when it is a
// UUID, which the protocol has no field for, so always the agent's SeededUUID of
// {type=subject_template, subject_type, name, plugin_id}), source mode runtime-derived and the
// selector label _plugin=<plugin>.
func SubjectTemplates(plugin string, req *ccfpb.UpsertSubjectTemplatesRequest) (SubjectTemplateBatch, []*Problem) {
	var out SubjectTemplateBatch
	var problems []*Problem
	for i, t := range req.GetSubjectTemplates() {
		typ, ok := SubjectTypeName(t.GetType())
		switch {
		case strings.TrimSpace(t.GetName()) == "":
			problems = append(problems, &Problem{Plugin: plugin, Index: i, Field: "SubjectTemplates.Name", Reason: "is empty"})
			continue
		case !ok:
			problems = append(problems, &Problem{Plugin: plugin, Index: i, Field: "SubjectTemplates.Type",
				Reason: fmt.Sprintf("is %d, which is not a known subject type", int32(t.GetType()))})
			continue
		}
		st := SubjectTemplate{
			ID: controlplane.SeededUUID(map[string]string{
				"type": "subject_template", "subject_type": typ, "name": t.GetName(), "plugin_id": plugin,
			}),
			Name:                t.GetName(),
			Type:                typ,
			TitleTemplate:       t.GetTitleTemplate(),
			DescriptionTemplate: t.GetDescriptionTemplate(),
			PurposeTemplate:     t.GetPurposeTemplate(),
			RemarksTemplate:     t.GetRemarksTemplate(),
			IdentityLabelKeys:   t.GetIdentityLabelKeys(),
			SourceMode:          SourceModeRuntime,
		}
		for _, p := range t.GetProps() {
			st.Props = append(st.Props, SubjectProp{Name: p.GetName(), Value: p.GetValue()})
		}
		for _, l := range t.GetLinks() {
			st.Links = append(st.Links, SubjectLink{Href: l.GetHref()})
		}
		for _, s := range t.GetSelectorLabels() {
			if s.GetKey() == LabelPlugin {
				continue // forced below
			}
			st.SelectorLabels = append(st.SelectorLabels, LabelSelector{Key: s.GetKey(), Value: s.GetValue()})
		}
		st.SelectorLabels = append(st.SelectorLabels, LabelSelector{Key: LabelPlugin, Value: plugin})
		for _, l := range t.GetLabelSchema() {
			st.LabelSchema = append(st.LabelSchema, LabelSchema{Key: l.GetKey(), Description: l.GetDescription()})
		}
		out.SubjectTemplates = append(out.SubjectTemplates, st)
	}
	return out, problems
}
