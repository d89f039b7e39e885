package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// maxBinaryExponent bounds the numbers of a configuration to about the range of a float64
// (±1.8e308), which is all a provider decoding JSON can represent anyway. Without a bound,
// 1e9999999 is a valid HCL number whose conversion to a string or to JSON writes out ten
// million digits.
const maxBinaryExponent = 1100

func numberInRange(v cty.Value) bool {
	bf := v.AsBigFloat()
	if bf.IsInf() {
		return false
	}
	if bf.Sign() == 0 {
		return true
	}
	e := bf.MantExp(nil)
	return e < maxBinaryExponent && e > -maxBinaryExponent
}

const numberRangeAdvice = "Numbers must lie within the range of a 64-bit float (about ±1.8e308, and not closer to zero than 1e-308). Write a smaller number, or a string."

// checkNumberLiterals reports number literals out of range before anything is evaluated:
// a template such as "${1e9999999}" turns its number into a string during evaluation, where
// checkNumbers would see it too late.
func (l *loader) checkNumberLiterals(f *hcl.File) bool {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok || !mayHoldHugeNumber(f.Bytes) {
		return true
	}
	good := true
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		lit, ok := n.(*hclsyntax.LiteralValueExpr)
		if ok && lit.Val.Type() == cty.Number && lit.Val.IsKnown() && !lit.Val.IsNull() && !numberInRange(lit.Val) {
			l.errorf(lit.SrcRange, "Number out of range", "%s", numberRangeAdvice)
			good = false
		}
		return nil
	})
	return good
}

// checkNumbers reports the numbers of v that are out of range, such as the result of
// multiplying large literals.
func (l *loader) checkNumbers(attr *hcl.Attribute, v cty.Value) bool {
	good := true
	_ = cty.Walk(v, func(path cty.Path, e cty.Value) (bool, error) {
		if good && e.Type() == cty.Number && e.IsKnown() && !e.IsNull() && !numberInRange(e) {
			l.errorf(exprAt(attr.Expr, path).Range(), "Number out of range", "The value of %s holds a number out of range. %s", attr.Name, numberRangeAdvice)
			good = false
		}
		return good, nil
	})
	return good
}

// hugeDigits is a run of digits long enough to write a number out of range without an
// exponent. With fewer digits in every run, a literal lies between about 1e-300 and 1e300,
// well inside ±2^1100.
const hugeDigits = 300

// mayHoldHugeNumber reports whether src could hold a number literal out of range: one with an
// exponent (a digit followed by e or E) or a run of hugeDigits digits. Most files have
// neither, and skip walking every node of their syntax tree (a tenth of a large load's time).
// It may say true for text that is no number at all (an identifier "v1e"); that only costs
// the walk.
func mayHoldHugeNumber(src []byte) bool {
	run := 0
	for i, c := range src {
		if c < '0' || c > '9' {
			run = 0
			continue
		}
		run++
		if run >= hugeDigits || (i+1 < len(src) && (src[i+1] == 'e' || src[i+1] == 'E')) {
			return true
		}
	}
	return false
}
