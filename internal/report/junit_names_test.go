package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// A title that is a path does not make "job//etc/passwd", and a multi-line reason is a one-line
// message attribute (the body keeps the lines).
func TestJUnitNamesAndMessages(t *testing.T) {
	run := &result.Run{Jobs: []result.Job{{Name: "perms", Provider: "builtin/file", Results: []sdk.Result{
		{Title: "/etc/passwd", Status: sdk.StatusFail, Reason: "mode is 0666\nwant 0644\n\towner root"},
	}}}}
	out := render(t, "junit", run, testOptions())
	if strings.Contains(string(out), "//") {
		t.Errorf("double slash in:\n%s", out)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure struct {
					Message string `xml:"message,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Suites[0].Cases[0]
	if c.Name != "perms: /etc/passwd" {
		t.Errorf("name = %q", c.Name)
	}
	if c.Failure.Message != "mode is 0666 want 0644 owner root" {
		t.Errorf("message = %q, want one line", c.Failure.Message)
	}
	if !strings.Contains(c.Failure.Body, "mode is 0666\nwant 0644") {
		t.Errorf("body lost the reason's lines: %q", c.Failure.Body)
	}
	if strings.Contains(string(out), "&#xA;") {
		t.Error("an attribute still carries an encoded newline")
	}
}
