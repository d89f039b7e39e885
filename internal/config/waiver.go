package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/waiver"
)

// waiverSchema is a `waiver "<name>"` block; waiverFileSchema is a file given with --waivers,
// which holds waiver blocks and nothing else (its owners do not get to change the checks).
var (
	waiverSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "job", Required: true}, {Name: "result"}, {Name: "reason", Required: true},
		{Name: "expires", Required: true}, {Name: "approved_by"},
	}}
	waiverFileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "waiver", LabelNames: []string{"name"}},
	}}
)

// pendingWaiver is what finishWaivers checks once every file is read: the expiry needs
// argus.waiver_max_days, and the job pattern needs every job.
type pendingWaiver struct {
	expires              string
	expiresRng, jobRng   hcl.Range
	haveExpires, haveJob bool
}

func (l *loader) decodeWaiverFile(f *hcl.File) {
	if !l.checkNumberLiterals(f) {
		return
	}
	content, diags := f.Body.Content(waiverFileSchema)
	for _, d := range diags {
		if d.Summary == "Unsupported block type" || d.Summary == "Unsupported argument" {
			d.Detail += " A waiver file (--waivers) holds only waiver blocks; the checks themselves belong in the configuration."
		}
	}
	l.diags = append(l.diags, diags...)
	for _, b := range content.Blocks {
		if l.unique("waiver", b) {
			l.decodeWaiver(b)
		}
	}
}

func (l *loader) decodeWaiver(b *hcl.Block) {
	c := l.content(b, waiverSchema)
	w := Waiver{Range: b.DefRange}
	w.Name = b.Labels[0]
	w.File, w.Line = b.DefRange.Filename, b.DefRange.Start.Line
	if !nameRe.MatchString(w.Name) {
		l.errorf(b.LabelRanges[0], "Invalid waiver name",
			"%q is not a valid waiver name: use letters, digits, '-', '_' and '.', starting with a letter or digit (it names the waiver in every report).", w.Name)
	}
	var p pendingWaiver
	if attr := c.Attributes["job"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			w.Job, p.jobRng, p.haveJob = s, attr.Expr.Range(), true
			if strings.TrimSpace(s) == "" {
				l.errorf(attr.Expr.Range(), "Empty waiver job",
					"The waiver's job is empty. Name the job it waives, or a glob such as \"cis-*\".")
				p.haveJob = false
			}
		}
	}
	if attr := c.Attributes["result"]; attr != nil {
		if s, ok := l.str(attr, l.fileCtx); ok {
			w.Result = s
		}
	}
	if attr := c.Attributes["reason"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			w.Reason = strings.TrimSpace(s)
			if w.Reason == "" {
				l.errorf(attr.Expr.Range(), "Empty waiver reason",
					"The waiver's reason is empty. Say why the failure is accepted, for the auditor who reads the report.")
			}
		}
	}
	if attr := c.Attributes["expires"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			p.expires, p.expiresRng, p.haveExpires = s, attr.Expr.Range(), true
		}
	}
	if attr := c.Attributes["approved_by"]; attr != nil {
		if s, ok := l.str(attr, l.fileCtx); ok {
			w.ApprovedBy = strings.TrimSpace(s)
		}
	}
	l.cfg.Waivers = append(l.cfg.Waivers, w)
	l.pendingWaivers = append(l.pendingWaivers, p)
}

// finishWaivers checks each waiver's expiry against the clock and the maximum, and its job
// pattern against the jobs of every file.
func (l *loader) finishWaivers() {
	maxAhead := waiver.DefaultMaxAhead
	if n := l.cfg.Argus.WaiverMaxDays; n > 0 {
		maxAhead = time.Duration(n) * 24 * time.Hour
	}
	now := l.opts.Now()
	var jobs []string
	for _, j := range l.cfg.Jobs {
		jobs = append(jobs, j.Name)
	}
	for i := range l.cfg.Waivers {
		w, p := &l.cfg.Waivers[i], l.pendingWaivers[i]
		if p.haveExpires {
			d, err := waiver.ParseExpires(p.expires, now, maxAhead)
			if err != nil {
				l.errorf(p.expiresRng, "Invalid waiver expiry", "Waiver %q: %v.", w.Name, err)
			} else {
				w.Expires = d
				switch w.State(now) {
				case waiver.Expired:
					l.warnf(p.expiresRng, "Waiver expired",
						"Waiver %q expired on %s and no longer applies: the failures it waived count again. Renew it with a new expires date (and an up-to-date reason), or remove it.", w.Name, p.expires)
				case waiver.Soon:
					l.warnf(p.expiresRng, "Waiver expires soon",
						"Waiver %q expires on %s (in %s); after that the failures it waives count again. Fix them, or renew the waiver.", w.Name, p.expires, daysLeft(w.End().Sub(now)))
				}
			}
		}
		if !p.haveJob {
			continue
		}
		matched := false
		for _, j := range jobs {
			if w.MatchesJob(j) {
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		detail := fmt.Sprintf("No job matches %q, so waiver %q would waive nothing.", w.Job, w.Name)
		if near := Suggest(w.Job, jobs); len(near) > 0 {
			detail += fmt.Sprintf(" Did you mean %s?", strings.Join(quoted(near), " or "))
		}
		if rc := l.cfg.RemoteConfig; l.cfg.ControlPlane != nil && rc != nil && (rc.Mode == "apply_safe" || rc.Mode == "apply_all") {
			// An overlay from the control plane may add jobs, which are not known yet.
			l.warnf(p.jobRng, "Waiver matches no local job", "%s It may match a job from the control plane.", detail)
			continue
		}
		l.errorf(p.jobRng, "Unknown job in waiver", "%s Name a job of the configuration, or a glob such as \"cis-*\"; remove the waiver if the job is gone.", detail)
	}
}

func daysLeft(d time.Duration) string {
	n := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func (l *loader) warnf(subject hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	})
}
