package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                            "plain",
		"tab\tand\nnewline":                "tab\tand\nnewline",
		"\x1b[31;1mred\x1b[0m":             "red",
		"title\x1b]0;owned\x07 after":      "title after",
		"osc st\x1b]8;;http://x\x1b\\ end": "osc st end",
		"bell\a bs\b cr\r del\x7f":         "bell bs cr del",
		"c1 csi \u009b2J done":             "c1 csi  done",
		"esc c\x1bc reset":                 "esc c reset",
		"dangling \x1b":                    "dangling ",
		"unterminated \x1b]0;title":        "unterminated ",
		"unicode é ✓ 日本":                   "unicode é ✓ 日本",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMdInline(t *testing.T) {
	for in, want := range map[string]string{
		"*x*":                `\*x\*`,
		"a_b":                `a\_b`,
		"<img src=x>":        "&lt;img src=x&gt;",
		`already \* escaped`: `already \\\* escaped`,
		"\x1b[1mbold\x1b[0m": "bold",
	} {
		if got := mdInline(in); got != want {
			t.Errorf("mdInline(%q) = %q, want %q", in, got, want)
		}
	}
}

// Terminal escapes and the bell in provider text reach no format meant for people: not the
// terminal, Markdown, SARIF messages or JUnit messages.
func TestProviderControlsReachNoOutput(t *testing.T) {
	run := fixtureRun()
	for i := range run.Jobs {
		for k := range run.Jobs[i].Results {
			run.Jobs[i].Results[k].Reason = "\x1b[31mred\x1b[0m\a *x*"
		}
	}
	for _, f := range []string{"sarif", "junit", "markdown"} {
		out := string(render(t, f, run, testOptions()))
		for _, bad := range []string{"\x1b", "\a", `\u001b`, `\u0007`, "[31m"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s report contains %q", f, bad)
			}
		}
	}
	var term bytes.Buffer
	tv := &Terminal{W: &term}
	for _, j := range run.Jobs {
		if err := tv.Job(j); err != nil {
			t.Fatal(err)
		}
	}
	if strings.ContainsAny(term.String(), "\x1b\a") || strings.Contains(term.String(), "[31m") {
		t.Errorf("terminal view carries control sequences: %q", term.String())
	}
}
