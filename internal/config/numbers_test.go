package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The pre-filter never hides a literal out of range: for each source, whenever a walk of the
// whole tree finds one, mayHoldHugeNumber is true (issue 16: the walk is skipped otherwise).
func TestMayHoldHugeNumber(t *testing.T) {
	for _, tt := range []struct {
		src      string
		outRange bool // the walk finds a literal out of range
		may      bool
	}{
		{`x = 1e9999999`, true, true},
		{`x = 1E+400`, true, true},
		{`x = "${-1e400}s"`, true, true},
		{`x = 1e-400`, true, true},
		{"x = 1" + strings.Repeat("0", 400), true, true},
		{"x = 0." + strings.Repeat("0", 400) + "1", true, true},
		{"x = 1" + strings.Repeat("0", hugeDigits-1), false, true},
		{"x = 1" + strings.Repeat("0", hugeDigits-2), false, false},
		{"x = 0." + strings.Repeat("0", hugeDigits-2) + "1", false, false},
		{`x = 1.5e300`, false, true},
		{`x = [1, 2.5, 0644, -3]`, false, false},
		{`x = "v1e"`, false, true},
		{`job "job-00001" { labels = { control = "ac-6" } }`, false, false},
	} {
		f, diags := hclsyntax.ParseConfig([]byte(tt.src), "x.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%.40s: %v", tt.src, diags)
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			t.Fatalf("body is %T", f.Body)
		}
		l := &loader{}
		found := false
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if lit, ok := n.(*hclsyntax.LiteralValueExpr); ok && !lit.Val.IsNull() && lit.Val.Type().Equals(cty.Number) && !numberInRange(lit.Val) {
				found = true
			}
			return nil
		})
		if found != tt.outRange {
			t.Errorf("%.40s: walk found out of range = %v, the table says %v", tt.src, found, tt.outRange)
		}
		if got := mayHoldHugeNumber(f.Bytes); got != tt.may {
			t.Errorf("%.40s: mayHoldHugeNumber = %v, want %v", tt.src, got, tt.may)
		}
		if found && !mayHoldHugeNumber(f.Bytes) {
			t.Errorf("%.40s: a literal out of range would be missed", tt.src)
		}
		if good := l.checkNumberLiterals(f); good == found {
			t.Errorf("%.40s: checkNumberLiterals = %v with a literal out of range = %v", tt.src, good, found)
		}
	}
}
