package report

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// GitLab's Code Quality report (artifacts:reports:codequality): a JSON array of Code Climate
// issues, of which GitLab reads description, check_name, fingerprint, severity, location.path
// and location.lines.begin. The other fields (type, categories, content, engine_name) are the
// Code Climate spec's, so that Code Climate tooling reads the file too.
//
// Only failed results are issues. A result with status error is not: the check could not run,
// which says nothing about the configuration, and GitLab compares issues by fingerprint between
// pipelines, so a transient error would show in the merge request as a new issue and then as a
// resolved one. Errored checks are in the JUnit report (as <error>) and in the exit code.
type codeQualityIssue struct {
	Type        string              `json:"type"`
	CheckName   string              `json:"check_name"`
	Description string              `json:"description"`
	Content     *codeQualityContent `json:"content,omitempty"`
	Categories  []string            `json:"categories"`
	Location    codeQualityLocation `json:"location"`
	Severity    string              `json:"severity"`
	Fingerprint string              `json:"fingerprint"`
	EngineName  string              `json:"engine_name"`
}

type codeQualityContent struct {
	Body string `json:"body"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// codeQualitySeverity is the severity of a failed check. Code Climate's scale is info, minor,
// major, critical, blocker; a failed compliance check is a real problem that still leaves the
// decision to the gate (--fail-on), so major, GitLab's own default for a finding.
const codeQualitySeverity = "major"

// codeQualityFingerprintKey versions the fingerprint's inputs: GitLab matches issues between
// pipelines by fingerprint, so a change to what is hashed must change this too.
const codeQualityFingerprintKey = "argus-codequality/v1"

// codeQualityDescriptionLimit keeps the one-line description readable in GitLab's merge
// request widget; content.body has the whole reason.
const codeQualityDescriptionLimit = 300

func writeCodeQuality(w io.Writer, run *result.Run, opts Options) error {
	issues := []codeQualityIssue{} // GitLab wants an array, also when there is nothing to say
	seen := map[string]int{}
	for _, j := range run.Jobs {
		loc := location(run, j)
		path := relPath(opts.BaseDir, loc.File)
		for _, r := range j.Results {
			if r.Status != sdk.StatusFail {
				continue
			}
			// GitLab keeps one issue per fingerprint, so two results of one job with the same
			// title (a provider may repeat one) are told apart by their order, which normalize
			// keeps stable.
			base := fingerprint(codeQualityFingerprintKey, j.Name, j.Subject.Type, j.Subject.Identifier, r.Title)
			n := seen[base]
			seen[base] = n + 1
			fp := base
			if n > 0 {
				fp = fingerprint(base, strconv.Itoa(n))
			}
			issue := codeQualityIssue{
				Type:        "issue",
				CheckName:   j.Name,
				Description: codeQualityDescription(j, r),
				Categories:  []string{"Security"},
				Location:    codeQualityLocation{Path: path, Lines: codeQualityLines{Begin: loc.Line}},
				Severity:    codeQualitySeverity,
				Fingerprint: fp,
				EngineName:  opts.toolName(),
			}
			if body := codeQualityBody(j, r); body != "" {
				issue.Content = &codeQualityContent{Body: body}
			}
			issues = append(issues, issue)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(issues)
}

// codeQualityDescription is one line: the check's title, the subject and the first line of
// the reason.
func codeQualityDescription(j result.Job, r sdk.Result) string {
	d := r.Title
	if subject := strings.TrimSpace(j.Subject.Type + " " + j.Subject.Identifier); subject != "" {
		d += " (" + subject + ")"
	}
	if reason := strings.TrimSpace(r.Reason); reason != "" {
		first, _, _ := strings.Cut(reason, "\n")
		d += ": " + strings.TrimSpace(first)
	}
	return truncateRunes(strings.Join(strings.Fields(d), " "), codeQualityDescriptionLimit)
}

// codeQualityBody is the Markdown detail: the whole reason, the provider and the controls.
func codeQualityBody(j result.Job, r sdk.Result) string {
	var b strings.Builder
	if reason := strings.TrimSpace(r.Reason); reason != "" {
		b.WriteString(reason)
		b.WriteString("\n\n")
	}
	b.WriteString("argus job " + mdCode(j.Name) + " (provider " + mdCode(j.Provider) + ")")
	if ids := controls(j, r); len(ids) > 0 {
		b.WriteString("; controls: ")
		for i, c := range ids {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(mdCode(c))
		}
	}
	b.WriteString(".")
	return b.String()
}
