package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// JUnit XML as CI systems read it (the Jenkins/Surefire dialect): one testsuite per provider,
// one testcase per result.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Time      string `xml:"time,attr"`
	File      string `xml:"file,attr,omitempty"`
	Line      int    `xml:"line,attr,omitempty"`
	// Properties hold the severity, and a waived failure's waiver (GitLab, Jenkins and
	// most JUnit viewers show testcase properties).
	Properties *junitProperties `xml:"properties"`
	Failure    *junitProblem    `xml:"failure"`
	Error      *junitProblem    `xml:"error"`
	Skipped    *junitProblem    `xml:"skipped"`
	SystemErr  string           `xml:"system-err,omitempty"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	// CDATA keeps line breaks readable in CI viewers; encoding/xml splits any "]]>".
	Body string `xml:",cdata"`
}

// junitMessageLimit caps the message attribute: viewers show it on one line, and the body
// holds the whole text.
const junitMessageLimit = 1000

func writeJUnit(w io.Writer, run *result.Run, opts Options) error {
	byProvider := map[string]*junitSuite{}
	suiteTime := map[string]time.Duration{}
	var names []string
	var total time.Duration
	for _, j := range run.Jobs {
		s, ok := byProvider[j.Provider]
		if !ok {
			s = &junitSuite{Name: xmlClean(j.Provider)}
			byProvider[j.Provider] = s
			names = append(names, j.Provider)
		}
		var dur time.Duration
		if !j.Start.IsZero() && j.End.After(j.Start) {
			dur = j.End.Sub(j.Start)
			if s.Timestamp == "" || j.Start.UTC().Format(junitTime) < s.Timestamp {
				s.Timestamp = j.Start.UTC().Format(junitTime)
			}
		}
		total += dur
		suiteTime[j.Provider] += dur
		loc := location(run, j)
		n := len(j.Results)
		for _, r := range j.Results {
			c := junitCase{
				Name:      xmlClean(j.Name + "/" + r.Title),
				Classname: xmlClean(j.Name),
				// A provider checks all its results in one execution: each gets an equal share.
				Time: fmt.Sprintf("%.3f", dur.Seconds()/float64(n)),
				File: xmlClean(relPath(opts.BaseDir, loc.File)),
				Line: loc.Line,
			}
			s.Tests++
			body := problemBody(r)
			props := []junitProperty{{Name: "severity", Value: string(r.Severity)}}
			w, waived := j.Waiver(r)
			switch {
			case waived:
				// Skipped, not passed: the check failed and a person accepted it; the reason
				// and the waiver's own words are what a reader of the test report needs.
				s.Skipped++
				msg := waivedText(w)
				c.Skipped = &junitProblem{Message: junitMessage(msg), Type: "waived", Body: xmlClean(msg + "\n\n" + r.Reason)}
				props = append(props, junitProperty{"waiver", xmlClean(w.Name)}, junitProperty{"waiver-expires", w.ExpiresText()})
				if w.ApprovedBy != "" {
					props = append(props, junitProperty{"waiver-approved-by", xmlClean(w.ApprovedBy)})
				}
			case r.Status == sdk.StatusFail:
				s.Failures++
				c.Failure = &junitProblem{Message: junitMessage(r.Reason), Type: "fail", Body: body}
			case r.Status == sdk.StatusError:
				s.Errors++
				if j.Stderr != "" {
					body += "\n\nprovider stderr (tail):\n" + xmlClean(j.Stderr)
				}
				c.Error = &junitProblem{Message: junitMessage(r.Reason), Type: "error", Body: body}
			case r.Status == sdk.StatusSkip:
				s.Skipped++
				c.Skipped = &junitProblem{Message: junitMessage(r.Reason)}
			}
			c.Properties = &junitProperties{Property: props}
			s.Cases = append(s.Cases, c)
		}
	}
	slices.Sort(names)
	out := junitSuites{Name: xmlClean(opts.toolName()), Time: fmt.Sprintf("%.3f", total.Seconds())}
	for _, name := range names {
		s := byProvider[name]
		s.Time = fmt.Sprintf("%.3f", suiteTime[name].Seconds())
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, *s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitTime is the timestamp format of the JUnit schema (xs:dateTime without a zone): UTC.
const junitTime = "2006-01-02T15:04:05"

func junitMessage(reason string) string {
	return xmlClean(truncateRunes(strings.TrimSpace(reason), junitMessageLimit))
}

func problemBody(r sdk.Result) string {
	var parts []string
	for _, s := range []string{r.Reason, r.Description, r.Remarks} {
		if strings.TrimSpace(s) != "" {
			parts = append(parts, s)
		}
	}
	return xmlClean(strings.Join(parts, "\n\n"))
}

// xmlClean drops what XML 1.0 cannot carry at all (most control characters, invalid UTF-8,
// U+FFFE/U+FFFF): encoding/xml escapes markup but would otherwise write them or substitute
// U+FFFD, and a JUnit parser rejects the whole file over one stray ESC from a provider's log.
func xmlClean(s string) string {
	ok := true
	for i, r := range s {
		if !xmlChar(r) || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			continue
		}
		if xmlChar(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}
