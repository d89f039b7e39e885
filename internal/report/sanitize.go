package report

import "strings"

// This file is the one output sanitiser: every format that shows provider text (titles,
// reasons, stderr) to a person passes it through here, so that a provider cannot drive the
// reader's terminal, ring its bell, inject markup into a rendered summary, or make its text
// look like argus's own.
//
//   - plainText: terminal control sequences (ANSI CSI and OSC sequences, other ESC sequences)
//     are removed whole, and every other control character except newline and tab is dropped.
//   - mdInline: plainText, then GitHub-flavoured Markdown's inline markup is escaped (emphasis,
//     code spans, links and images, strikethrough, HTML), so that "*x*" in a title is shown as
//     written rather than rendered.
//
// The structured formats (JSON, SARIF, OSCAL, JUnit) are data: their encoders escape what their
// syntax needs, and JUnit drops what XML cannot carry (xmlClean); plainText is applied where
// their text is shown to people as is.

// plainText returns s without terminal control sequences and control characters (newline and
// tab are kept).
func plainText(s string) string {
	if !hasControl(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b && i+1 < len(rs):
			i = skipEscape(rs, i)
		case r == 0x9b: // C1 CSI
			i = skipCSI(rs, i+1)
		case r == 0x9d: // C1 OSC
			i = skipOSC(rs, i+1)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case isControl(r):
			// dropped: BEL, backspace, carriage return (which overwrites a line), DEL, C1
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

func hasControl(s string) bool {
	for _, r := range s {
		if isControl(r) {
			return true
		}
	}
	return false
}

// skipEscape returns the index of the last rune of the escape sequence starting at rs[i] (ESC).
func skipEscape(rs []rune, i int) int {
	switch rs[i+1] {
	case '[':
		return skipCSI(rs, i+2)
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: terminated by BEL or ST
		return skipOSC(rs, i+2)
	}
	return i + 1 // a two-character sequence (ESC c, ESC 7, ...)
}

// skipCSI skips parameter and intermediate bytes up to and including the final byte.
func skipCSI(rs []rune, j int) int {
	for ; j < len(rs); j++ {
		if rs[j] >= 0x40 && rs[j] <= 0x7e {
			return j
		}
		if rs[j] < 0x20 || rs[j] > 0x3f && rs[j] < 0x40 {
			return j - 1 // malformed: stop before it
		}
	}
	return len(rs) - 1
}

// skipOSC skips to the end of a string sequence: BEL, or ST (ESC \ or C1 0x9c).
func skipOSC(rs []rune, j int) int {
	for ; j < len(rs); j++ {
		switch {
		case rs[j] == 0x07 || rs[j] == 0x9c:
			return j
		case rs[j] == 0x1b && j+1 < len(rs) && rs[j+1] == '\\':
			return j + 1
		}
	}
	return len(rs) - 1
}

// mdInlineReplacer escapes the characters that start inline markup in GitHub-flavoured
// Markdown, and neutralises HTML. The backslash goes first so that escapes are not doubled.
var mdInlineReplacer = strings.NewReplacer(
	`\`, `\\`,
	"*", `\*`,
	"_", `\_`,
	"`", "\\`",
	"[", `\[`,
	"]", `\]`,
	"~", `\~`,
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
)

// mdInline makes provider text literal in Markdown: no control characters, no markup.
func mdInline(s string) string {
	return mdInlineReplacer.Replace(plainText(s))
}
