package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// informationURI is where SARIF viewers send people who want to know what argus is.
const informationURI = "https://github.com/compliance-framework/argus"

// The SARIF 2.1.0 model, reduced to what GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool              `json:"tool"`
	AutomationDetails sarifAutomationDetails `json:"automationDetails"`
	// Results is always present: an empty array tells GitHub the analysis ran and found
	// nothing (which closes earlier alerts), where a missing one would mean it did not run.
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules,omitempty"`
}

type sarifRule struct {
	ID               string          `json:"id"`
	ShortDescription sarifText       `json:"shortDescription"`
	FullDescription  sarifText       `json:"fullDescription"`
	Help             sarifHelp       `json:"help"`
	Properties       *sarifRuleProps `json:"properties,omitempty"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags,omitempty"`
	// SecuritySeverity is the score GitHub code scanning ranks alerts by (see securitySeverity).
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifAutomationDetails struct {
	ID string `json:"id"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	// Suppressions mark a waived failure: still reported, accepted by an external decision.
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   *sarifResultProps  `json:"properties,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`   // "external": the waiver lives outside the analysed file
	Status        string `json:"status"` // "accepted"
	Justification string `json:"justification"`
}

type sarifResultProps struct {
	Severity         sdk.Severity `json:"severity"`
	SecuritySeverity string       `json:"security-severity,omitempty"`
	Waiver           string       `json:"waiver,omitempty"`
	WaiverExpires    string       `json:"waiverExpires,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// fingerprintKey names the partial fingerprint; bump its version if its inputs change, so
// GitHub does not match old alerts against differently computed ones.
const fingerprintKey = "argusJob/v1"

func writeSARIF(w io.Writer, run *result.Run, opts Options) error {
	driver := sarifDriver{
		Name:           opts.toolName(),
		Version:        strings.TrimSpace(opts.ToolVersion),
		InformationURI: informationURI,
	}
	results := []sarifResult{}
	ruleIndex := map[string]int{}
	for _, j := range run.Jobs {
		if _, seen := ruleIndex[j.Name]; !seen {
			ruleIndex[j.Name] = len(driver.Rules)
			driver.Rules = append(driver.Rules, sarifRuleFor(run, j, opts))
		}
		for _, r := range j.Results {
			var level string
			switch r.Status {
			case sdk.StatusFail:
				level = sarifLevel(r.Severity)
			case sdk.StatusError:
				level = "warning"
			default:
				continue // SARIF lists problems only
			}
			msg := r.Title
			if r.Status == sdk.StatusError {
				msg += " (the check could not be completed)"
			}
			if strings.TrimSpace(r.Reason) != "" {
				msg += ": " + r.Reason
			}
			sr := sarifResult{
				RuleID:    j.Name,
				RuleIndex: ruleIndex[j.Name],
				Level:     level,
				Message:   sarifText{Text: msg},
				Locations: []sarifLocation{sarifLocationFor(run, j, opts)},
				PartialFingerprints: map[string]string{
					fingerprintKey: fingerprint(j.Name, j.Subject.Type, j.Subject.Identifier, r.Title),
				},
				Properties: &sarifResultProps{Severity: r.Severity, SecuritySeverity: securitySeverity(r.Severity)},
			}
			if w, ok := j.Waiver(r); ok {
				// Kept, not dropped: GitHub closes a suppressed alert as dismissed, and the
				// justification is what an auditor reads there.
				sr.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: waivedText(w)}}
				sr.Properties.Waiver, sr.Properties.WaiverExpires = w.Name, w.ExpiresText()
			}
			results = append(results, sr)
		}
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:              sarifTool{Driver: driver},
			AutomationDetails: sarifAutomationDetails{ID: opts.category()},
			Results:           results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifRuleFor(run *result.Run, j result.Job, opts Options) sarifRule {
	loc := location(run, j)
	where := fmt.Sprintf("%s:%d", relPath(opts.BaseDir, loc.File), loc.Line)
	subject := strings.TrimSpace(j.Subject.Type + " " + j.Subject.Identifier)
	text := fmt.Sprintf("argus job %q runs provider %q", j.Name, j.Provider)
	md := fmt.Sprintf("argus job %s runs provider %s", mdCode(j.Name), mdCode(j.Provider))
	if subject != "" {
		text += fmt.Sprintf(" on %s", subject)
		md += fmt.Sprintf(" on %s", mdCode(subject))
	}
	if j.Location.File != "" {
		text += fmt.Sprintf(". It is declared at %s.", where)
		md += fmt.Sprintf(".\n\nIt is declared at %s.", mdCode(where))
	} else {
		// A job from the control plane has no block to point at.
		text += fmt.Sprintf(". It is not declared in a configuration file; its results point at %s.", where)
		md += fmt.Sprintf(".\n\nIt is not declared in a configuration file; its results point at %s.", mdCode(where))
	}
	const meaning = " A failing result means the check did not hold for the subject; the result's message says why."
	text += meaning
	md += meaning
	full, help, helpMD := text, text, md
	if j.Description != "" {
		full = j.Description
	}
	if j.Remediation != "" {
		help = j.Remediation + "\n\n" + text
		helpMD = j.Remediation + "\n\n" + md
	}

	ids := map[string]bool{}
	for _, r := range j.Results {
		for _, c := range controls(j, r) {
			ids[c] = true
		}
	}
	short := "argus job " + j.Name
	if j.Description != "" {
		short = firstSentence(j.Description)
	}
	rule := sarifRule{
		ID:               j.Name,
		ShortDescription: sarifText{Text: short},
		FullDescription:  sarifText{Text: full},
		Help:             sarifHelp{Text: help, Markdown: helpMD},
	}
	// GitHub shows a security severity only for rules tagged "security"; the rule's is the
	// highest of the job's results (all of them take the job's unless the provider says).
	var worst sdk.Severity
	for _, r := range j.Results {
		if r.Severity.Rank() > worst.Rank() {
			worst = r.Severity
		}
	}
	if score := securitySeverity(worst); score != "" {
		rule.Properties = &sarifRuleProps{Tags: []string{"security"}, SecuritySeverity: score}
	}
	if len(ids) > 0 {
		md := "\n\nControls: "
		var tags []string
		for i, c := range sortedKeys(ids) {
			tags = append(tags, c)
			if i > 0 {
				md += ", "
			}
			md += mdCode(c)
		}
		rule.Help.Markdown += md
		if rule.Properties == nil {
			rule.Properties = &sarifRuleProps{}
		}
		rule.Properties.Tags = append(rule.Properties.Tags, tags...)
	}
	return rule
}

// sarifLevel is a failure's SARIF level by severity: GitHub shows error, warning and note
// apart, and medium (the default) stays an error as every failure was before severities.
func sarifLevel(s sdk.Severity) string {
	switch s {
	case sdk.SeverityInfo:
		return "note"
	case sdk.SeverityLow:
		return "warning"
	}
	return "error"
}

// firstSentence is the first line of s, cut at its first sentence end: a rule's short
// description is a one-liner.
func firstSentence(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

// mdCode makes s safe inside a Markdown code span.
// mdCode renders s as a Markdown code span: backquotes inside would end the span and a newline
// would end the line, so they become ' and a space.
func mdCode(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "\n", " ") + "`"
}

func sarifLocationFor(run *result.Run, j result.Job, opts Options) sarifLocation {
	loc := location(run, j)
	file := relPath(opts.BaseDir, loc.File)
	art := sarifArtifactLocation{URIBaseID: "%SRCROOT%"}
	if path.IsAbs(file) || (len(file) > 2 && file[1] == ':') {
		// Outside the source root: an absolute file URI, which no base applies to.
		u := url.URL{Scheme: "file", Path: file}
		if !strings.HasPrefix(u.Path, "/") {
			u.Path = "/" + u.Path
		}
		art = sarifArtifactLocation{URI: u.String()}
	} else {
		art.URI = (&url.URL{Path: file}).String()
	}
	return sarifLocation{PhysicalLocation: sarifPhysicalLocation{
		ArtifactLocation: art,
		Region:           sarifRegion{StartLine: loc.Line, StartColumn: loc.Column},
	}}
}
