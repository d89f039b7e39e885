package evidence

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/compliance-framework/argus/internal/ccfplugin/ccfpb"
	"github.com/compliance-framework/argus/internal/controlplane"
)

// Limits of what argus accepts from a plugin.
const (
	// MaxBytes bounds one evidence's protobuf encoding. The agent's largest real evidence is a
	// few kB; a megabyte is a runaway plugin, not a finding.
	MaxBytes = 1 << 20
	// MaxClockSkew is how far in the future a start or end may be and still be taken (as now).
	MaxClockSkew = time.Minute
)

// The labels the host adds under the evidence's own.
const (
	LabelAgent  = "_agent"
	LabelPlugin = "_plugin"
)

// Evidence is the body of POST /api/evidence, in the JSON shape the agent sends: the same
// keys (OSCAL's kebab-case where the agent uses it), and empty values omitted where the agent's
// encoder omits them.
type Evidence struct {
	UUID        uuid.UUID         `json:"uuid"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Remarks     string            `json:"remarks"` // always sent, "" when unset, as the agent does
	Labels      map[string]string `json:"labels"`
	Start       time.Time         `json:"start"`
	End         time.Time         `json:"end"`
	// Expires is omitted when the plugin set none: see the package documentation.
	Expires        *time.Time      `json:"expires,omitempty"`
	Props          []Property      `json:"props,omitempty"`
	Links          []Link          `json:"links,omitempty"`
	Origins        []Origin        `json:"origins,omitempty"`
	Activities     []Activity      `json:"activities,omitempty"`
	InventoryItems []InventoryItem `json:"inventory-items,omitempty"`
	Components     []Component     `json:"components,omitempty"`
	Subjects       []Subject       `json:"subjects,omitempty"`
	Status         Status          `json:"status"`
}

// Property is an OSCAL property.
type Property struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	UUID    string `json:"uuid,omitempty"`
	Ns      string `json:"ns,omitempty"`
	Class   string `json:"class,omitempty"`
	Group   string `json:"group,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// Link is an OSCAL link.
type Link struct {
	Href             string `json:"href"`
	Rel              string `json:"rel,omitempty"`
	MediaType        string `json:"media-type,omitempty"`
	ResourceFragment string `json:"resource-fragment,omitempty"`
	Text             string `json:"text,omitempty"`
}

// Origin lists who or what produced the evidence.
type Origin struct {
	Actors []Actor `json:"actors"`
}

// Actor is one origin actor.
type Actor struct {
	UUID   uuid.UUID  `json:"uuid"`
	Type   string     `json:"type"`
	Title  string     `json:"title,omitempty"`
	RoleID string     `json:"role-id,omitempty"`
	Links  []Link     `json:"links,omitempty"`
	Props  []Property `json:"props,omitempty"`
}

// Activity is what was done to collect the evidence.
type Activity struct {
	UUID        uuid.UUID  `json:"uuid"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
	Steps       []Step     `json:"steps,omitempty"`
	Links       []Link     `json:"links,omitempty"`
	Props       []Property `json:"props,omitempty"`
}

// Step is one step of an activity.
type Step struct {
	UUID        uuid.UUID  `json:"uuid"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
	Links       []Link     `json:"links,omitempty"`
	Props       []Property `json:"props,omitempty"`
}

// InventoryItem is an OSCAL inventory item.
type InventoryItem struct {
	Identifier            string                 `json:"identifier,omitempty"`
	Type                  string                 `json:"type,omitempty"`
	Title                 string                 `json:"title,omitempty"`
	Description           string                 `json:"description,omitempty"`
	Remarks               string                 `json:"remarks,omitempty"`
	Links                 []Link                 `json:"links,omitempty"`
	Props                 []Property             `json:"props,omitempty"`
	ImplementedComponents []ImplementedComponent `json:"implemented-components,omitempty"`
}

// ImplementedComponent names a component an inventory item implements.
type ImplementedComponent struct {
	Identifier string `json:"identifier"`
}

// Component is an OSCAL component.
type Component struct {
	Identifier  string     `json:"identifier,omitempty"`
	Type        string     `json:"type,omitempty"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
	Purpose     string     `json:"purpose,omitempty"`
	Protocols   []Protocol `json:"protocols,omitempty"`
	Links       []Link     `json:"links,omitempty"`
	Props       []Property `json:"props,omitempty"`
}

// Protocol is a network protocol of a component.
type Protocol struct {
	UUID       uuid.UUID   `json:"uuid"`
	Name       string      `json:"name,omitempty"`
	Title      string      `json:"title,omitempty"`
	PortRanges []PortRange `json:"port-ranges,omitempty"`
}

// PortRange is a range of ports of a protocol.
type PortRange struct {
	Start     int32  `json:"start,omitempty"`
	End       int32  `json:"end,omitempty"`
	Transport string `json:"transport,omitempty"`
}

// Subject is what the evidence is about.
type Subject struct {
	Identifier  string     `json:"identifier,omitempty"`
	Type        string     `json:"type,omitempty"`
	Description string     `json:"description,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
	Links       []Link     `json:"links,omitempty"`
	Props       []Property `json:"props,omitempty"`
}

// Status is the evidence's OSCAL objective status.
type Status struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// The two states.
const (
	StateSatisfied    = "satisfied"
	StateNotSatisfied = "not-satisfied"
)

// Problem is one evidence argus refused, and why.
type Problem struct {
	Plugin string // the job (config) name of the plugin
	Index  int    // position in the CreateEvidence call
	UUID   string // as the plugin sent it, possibly empty or invalid
	Field  string // the offending field, in the protocol's spelling ("UUID", "Start", "Subjects[1].Type")
	Reason string
}

func (p *Problem) Error() string {
	id := ""
	if p.UUID != "" {
		id = fmt.Sprintf(" (uuid %q)", truncate(p.UUID, 64))
	}
	return fmt.Sprintf("plugin %q: evidence #%d%s: %s %s", p.Plugin, p.Index, id, p.Field, p.Reason)
}

// Base is what the host adds to every evidence of one job.
type Base struct {
	Plugin string            // the plugin's config (job) name: label _plugin, and the name in problems
	Agent  string            // label _agent: argus's identity towards the API
	Labels map[string]string // the job's labels
}

// labels builds {_agent, _plugin, job labels} overlaid by the evidence's own, as the agent does.
func (b Base) labels(own map[string]string) map[string]string {
	out := make(map[string]string, 2+len(b.Labels)+len(own))
	out[LabelAgent] = b.Agent
	out[LabelPlugin] = b.Plugin
	maps.Copy(out, b.Labels)
	maps.Copy(out, own)
	return out
}

// Convert validates one evidence of a CreateEvidence call (index is its position) and converts
// it. A non-nil *Problem means the evidence is refused; Convert never panics on anything a
// plugin can send.
func Convert(b Base, index int, ev *ccfpb.Evidence, now time.Time) (Evidence, *Problem) {
	bad := func(field, format string, args ...any) (Evidence, *Problem) {
		return Evidence{}, &Problem{Plugin: b.Plugin, Index: index, UUID: ev.GetUUID(), Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if ev == nil {
		return bad("Evidence", "is null")
	}
	if size := proto.Size(ev); size > MaxBytes {
		field, fsize := largestField(ev)
		return bad(field, "makes the evidence too large: it is %d bytes, the limit is %d (%s alone is %d bytes)", size, MaxBytes, field, fsize)
	}
	if strings.TrimSpace(ev.GetUUID()) == "" {
		return bad("UUID", "is empty: every evidence needs its stream UUID")
	}
	id, err := uuid.Parse(ev.GetUUID())
	if err != nil {
		return bad("UUID", "is not a valid UUID: %v", err)
	}
	if strings.TrimSpace(ev.GetTitle()) == "" {
		return bad("Title", "is empty")
	}
	if ev.GetStatus() == nil {
		return bad("Status", "is not set: argus cannot tell satisfied from not satisfied")
	}
	var state string
	switch ev.GetStatus().GetState() {
	case ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_SATISFIED:
		state = StateSatisfied
	case ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_NOT_SATISFIED:
		state = StateNotSatisfied
	default:
		return bad("Status.State", "is %d, which is neither SATISFIED (0) nor NOT_SATISFIED (1)", int32(ev.GetStatus().GetState()))
	}
	limit := now.Add(MaxClockSkew)
	start, p := timestamp("Start", ev.GetStart(), now, limit)
	if p != "" {
		return bad("Start", "%s", p)
	}
	end, p := timestamp("End", ev.GetEnd(), now, limit)
	if p != "" {
		return bad("End", "%s", p)
	}
	if start.After(end) {
		return bad("Start", "(%s) is after End (%s)", start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
	}
	out := Evidence{
		UUID:        id,
		Title:       ev.GetTitle(),
		Description: ev.GetDescription(),
		Remarks:     ev.GetRemarks(),
		Labels:      b.labels(ev.GetLabels()),
		Start:       start,
		End:         end,
		Props:       props(ev.GetProps()),
		Links:       links(ev.GetLinks()),
		Status:      Status{State: state, Reason: ev.GetStatus().GetReason(), Remarks: ev.GetStatus().GetRemarks()},
	}
	if ev.Expires != nil {
		if err := ev.GetExpires().CheckValid(); err != nil {
			return bad("Expires", "is not a valid time: %v", err)
		}
		t := ev.GetExpires().AsTime().UTC()
		out.Expires = &t
	}
	for _, o := range ev.GetOrigins() {
		var origin Origin
		for _, a := range o.GetActors() {
			origin.Actors = append(origin.Actors, Actor{
				UUID:   orSeeded(a.GetUUID(), map[string]string{"type": "actor", "actor-type": a.GetType(), "title": a.GetTitle()}),
				Type:   a.GetType(),
				Title:  a.GetTitle(),
				RoleID: a.GetRoleId(),
				Links:  links(a.GetLinks()),
				Props:  props(a.GetProps()),
			})
		}
		out.Origins = append(out.Origins, origin)
	}
	for _, a := range ev.GetActivities() {
		act := Activity{
			UUID:        orSeeded(a.GetUUID(), map[string]string{"type": "activity", "title": a.GetTitle(), "description": a.GetDescription()}),
			Title:       a.GetTitle(),
			Description: a.GetDescription(),
			Remarks:     a.GetRemarks(),
			Links:       links(a.GetLinks()),
			Props:       props(a.GetProps()),
		}
		for _, s := range a.GetSteps() {
			act.Steps = append(act.Steps, Step{
				UUID:        orSeeded(s.GetUUID(), map[string]string{"type": "step", "title": s.GetTitle()}),
				Title:       s.GetTitle(),
				Description: s.GetDescription(),
				Remarks:     s.GetRemarks(),
				Links:       links(s.GetLinks()),
				Props:       props(s.GetProps()),
			})
		}
		out.Activities = append(out.Activities, act)
	}
	for _, it := range ev.GetInventoryItems() {
		item := InventoryItem{
			Identifier:  it.GetIdentifier(),
			Type:        it.GetType(),
			Title:       it.GetTitle(),
			Description: it.GetDescription(),
			Remarks:     it.GetRemarks(),
			Links:       links(it.GetLinks()),
			Props:       props(it.GetProps()),
		}
		for _, c := range it.GetImplementedComponents() {
			item.ImplementedComponents = append(item.ImplementedComponents, ImplementedComponent{Identifier: c.GetIdentifier()})
		}
		out.InventoryItems = append(out.InventoryItems, item)
	}
	for _, c := range ev.GetComponents() {
		comp := Component{
			Identifier:  c.GetIdentifier(),
			Type:        c.GetType(),
			Title:       c.GetTitle(),
			Description: c.GetDescription(),
			Remarks:     c.GetRemarks(),
			Purpose:     c.GetPurpose(),
			Links:       links(c.GetLinks()),
			Props:       props(c.GetProps()),
		}
		for _, p := range c.GetProtocols() {
			proto := Protocol{
				UUID:  orSeeded(p.GetUUID(), map[string]string{"type": "protocol", "name": p.GetName(), "title": p.GetTitle()}),
				Name:  p.GetName(),
				Title: p.GetTitle(),
			}
			for _, r := range p.GetPortRanges() {
				proto.PortRanges = append(proto.PortRanges, PortRange{Start: r.GetStart(), End: r.GetEnd(), Transport: r.GetTransport()})
			}
			comp.Protocols = append(comp.Protocols, proto)
		}
		out.Components = append(out.Components, comp)
	}
	for i, s := range ev.GetSubjects() {
		typ, ok := SubjectTypeName(s.GetType())
		if !ok {
			return bad(fmt.Sprintf("Subjects[%d].Type", i), "is %d, which is not a known subject type", int32(s.GetType()))
		}
		out.Subjects = append(out.Subjects, Subject{
			Identifier:  s.GetIdentifier(),
			Type:        typ,
			Description: s.GetDescription(),
			Remarks:     s.GetRemarks(),
			Links:       links(s.GetLinks()),
			Props:       props(s.GetProps()),
		})
	}
	return out, nil
}

// ConvertAll converts the evidence of one CreateEvidence call: what stands, and a problem for
// each evidence refused, in call order.
func ConvertAll(b Base, evs []*ccfpb.Evidence, now time.Time) ([]Evidence, []*Problem) {
	var ok []Evidence
	var problems []*Problem
	for i, ev := range evs {
		out, p := Convert(b, i, ev, now)
		if p != nil {
			problems = append(problems, p)
			continue
		}
		ok = append(ok, out)
	}
	return ok, problems
}

// SubjectTypeName maps the protocol's subject type to the string the API stores.
func SubjectTypeName(t ccfpb.SubjectType) (string, bool) {
	switch t {
	case ccfpb.SubjectType_SUBJECT_TYPE_INVENTORY_ITEM:
		return "InventoryItem", true
	case ccfpb.SubjectType_SUBJECT_TYPE_COMPONENT:
		return "Component", true
	case ccfpb.SubjectType_SUBJECT_TYPE_USER:
		return "User", true
	case ccfpb.SubjectType_SUBJECT_TYPE_LOCATION:
		return "Location", true
	case ccfpb.SubjectType_SUBJECT_TYPE_PARTY:
		return "Party", true
	case ccfpb.SubjectType_SUBJECT_TYPE_RESOURCE:
		return "Resource", true
	}
	return "", false
}

// timestamp checks a start or end time: set, valid, not beyond limit. A time after now but
// within the skew becomes now.
func timestamp(name string, ts *timestamppb.Timestamp, now, limit time.Time) (time.Time, string) {
	if ts == nil {
		return time.Time{}, "is not set"
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, fmt.Sprintf("is not a valid time: %v", err)
	}
	t := ts.AsTime()
	if t.After(limit) {
		return time.Time{}, fmt.Sprintf("is %s, %s in the future (more than the %s clock skew argus allows; the API refuses future times)",
			t.Format(time.RFC3339Nano), t.Sub(now).Round(time.Second), MaxClockSkew)
	}
	if t.After(now) {
		t = now
	}
	return t.UTC(), ""
}

// orSeeded keeps a nested item's UUID when it parses, else derives the agent's SeededUUID.
func orSeeded(id string, seed map[string]string) uuid.UUID {
	if u, err := uuid.Parse(id); err == nil {
		return u
	}
	return controlplane.SeededUUID(seed)
}

func props(in []*ccfpb.Property) []Property {
	var out []Property
	for _, p := range in {
		out = append(out, Property{
			Name: p.GetName(), Value: p.GetValue(), UUID: p.GetUuid(), Ns: p.GetNs(),
			Class: p.GetClass(), Group: p.GetGroup(), Remarks: p.GetRemarks(),
		})
	}
	return out
}

func links(in []*ccfpb.Link) []Link {
	var out []Link
	for _, l := range in {
		out = append(out, Link{
			Href: l.GetHref(), Rel: l.GetRel(), MediaType: l.GetMediaType(),
			ResourceFragment: l.GetResourceFragment(), Text: l.GetText(),
		})
	}
	return out
}

// largestField names the field of ev with the largest encoding, for an oversize problem.
func largestField(ev *ccfpb.Evidence) (string, int) {
	name, largest := "Evidence", 0
	ev.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		one := &ccfpb.Evidence{}
		one.ProtoReflect().Set(fd, v)
		if s := proto.Size(one); s > largest {
			name, largest = string(fd.Name()), s
		}
		return true
	})
	return name, largest
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
