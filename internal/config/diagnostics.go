package config

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func (l *loader) errorf(subject hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	})
}

// pos is where r starts, as file:line:col.
func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// elemRange is the range of the element key of attr's object or tuple value, or of the whole
// value when the element cannot be told apart in the source.
func elemRange(attr *hcl.Attribute, key cty.Value) hcl.Range {
	return exprAt(attr.Expr, cty.Path{cty.IndexStep{Key: key}}).Range()
}

// exprAt finds the sub-expression of expr that produced the value at path, so a diagnostic
// about one element of an object or tuple points at that element. It returns the innermost
// expression it can follow, expr itself at worst.
func exprAt(expr hcl.Expression, path cty.Path) hcl.Expression {
	for _, step := range path {
		var key cty.Value
		switch s := step.(type) {
		case cty.GetAttrStep:
			key = cty.StringVal(s.Name)
		case cty.IndexStep:
			key = s.Key
		default:
			return expr
		}
		next := childExpr(expr, key)
		if next == nil {
			return expr
		}
		expr = next
	}
	return expr
}

func childExpr(expr hcl.Expression, key cty.Value) hcl.Expression {
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		if key.Type() != cty.String {
			return nil
		}
		for _, item := range e.Items {
			k, diags := item.KeyExpr.Value(nil)
			if !diags.HasErrors() && k.Type() == cty.String && k.IsKnown() && !k.IsNull() && k.AsString() == key.AsString() {
				return item.ValueExpr
			}
		}
	case *hclsyntax.TupleConsExpr:
		if key.Type() != cty.Number {
			return nil
		}
		i, acc := key.AsBigFloat().Int64()
		if acc == big.Exact && i >= 0 && i < int64(len(e.Exprs)) {
			return e.Exprs[i]
		}
	}
	return nil
}

// explainUnsupported adds to hcl's "Unsupported argument/block type" diagnostics what the
// body does accept, so the reader learns what to write instead of only what is wrong.
func explainUnsupported(diags hcl.Diagnostics, schema *hcl.BodySchema) hcl.Diagnostics {
	var names []string
	switch {
	case len(schema.Attributes) > 0 && len(schema.Blocks) > 0:
		for _, a := range schema.Attributes {
			names = append(names, a.Name)
		}
		for _, b := range schema.Blocks {
			names = append(names, b.Type+" { }")
		}
	case len(schema.Attributes) > 0:
		for _, a := range schema.Attributes {
			names = append(names, a.Name)
		}
	default:
		for _, b := range schema.Blocks {
			names = append(names, b.Type)
		}
	}
	for _, d := range diags {
		switch d.Summary {
		case "Unsupported argument", "Unsupported block type":
			if len(names) == 0 {
				d.Detail += " This block takes no arguments or blocks."
			} else {
				d.Detail += " Expected one of: " + strings.Join(names, ", ") + "."
			}
		}
	}
	return diags
}
