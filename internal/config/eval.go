package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// eval evaluates attr and converts its value to want. ok is false when the value is null or
// wrong; a wrong value has been reported.
func (l *loader) eval(attr *hcl.Attribute, ctx *hcl.EvalContext, want cty.Type) (cty.Value, bool) {
	v, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || v.IsNull() {
		return cty.NilVal, false
	}
	if !l.checkNumbers(attr, v) {
		return cty.NilVal, false
	}
	if want != cty.DynamicPseudoType {
		cv, err := convert.Convert(v, want)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity:    hcl.DiagError,
				Summary:     "Incorrect attribute value type",
				Detail:      fmt.Sprintf("Inappropriate value for attribute %q: %v.", attr.Name, err),
				Subject:     attr.Expr.Range().Ptr(),
				Expression:  attr.Expr,
				EvalContext: ctx,
			})
			return cty.NilVal, false
		}
		v = cv
	}
	if !v.IsWhollyKnown() {
		// Nothing in argus's configuration is unknown at load time; this guards against a
		// function that might return an unknown value one day.
		l.errorf(attr.Expr.Range(), "Value not known", "The value of %q cannot be determined when the configuration is loaded. Use a literal value.", attr.Name)
		return cty.NilVal, false
	}
	return v, true
}

func (l *loader) str(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, bool) {
	v, ok := l.eval(attr, ctx, cty.String)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

// requiredStr is str for a required attribute, for which null is an error rather than unset.
func (l *loader) requiredStr(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, bool) {
	before := len(l.diags)
	s, ok := l.str(attr, ctx)
	if !ok && len(l.diags) == before {
		l.errorf(attr.Expr.Range(), "Missing value", "%s is required and must not be null. Give it a string value.", attr.Name)
	}
	return s, ok
}

func (l *loader) int(attr *hcl.Attribute, ctx *hcl.EvalContext) (int, bool) {
	v, ok := l.eval(attr, ctx, cty.Number)
	if !ok {
		return 0, false
	}
	var n int
	if err := gocty.FromCtyValue(v, &n); err != nil {
		l.errorf(attr.Expr.Range(), "Invalid number", "%s must be a whole number: %v.", attr.Name, err)
		return 0, false
	}
	return n, true
}

func (l *loader) strList(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, bool) {
	v, ok := l.eval(attr, ctx, cty.List(cty.String))
	if !ok {
		return nil, false
	}
	out := make([]string, 0, v.LengthInt())
	for i, e := range v.AsValueSlice() {
		if e.IsNull() {
			l.errorf(elemRange(attr, cty.NumberIntVal(int64(i))), "Invalid list element", "%s[%d] is null. Give it a string value or remove it.", attr.Name, i)
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}
