package config

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// secretAttributes are the attributes whose values are secrets, by block type.
var secretAttributes = map[string][]string{"control_plane": {"client_secret"}}

// redactFiles returns files with the source of every secret attribute's value replaced by
// asterisks, for the snippets diagnostics show: a diagnostic on the line of a literal
// client_secret must not print the secret into a CI log. A value that is a function call
// (env("…"), file("…")) is left as it is: it names where the secret is, not the secret.
func redactFiles(files map[string]*hcl.File) map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(files))
	for name, f := range files {
		out[name] = redactFile(f)
	}
	return out
}

func redactFile(f *hcl.File) *hcl.File {
	if f == nil {
		return nil
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return f
	}
	var src []byte // a copy, made on the first redaction: f.Bytes belongs to the parser
	for _, b := range body.Blocks {
		for _, name := range secretAttributes[b.Type] {
			a := b.Body.Attributes[name]
			if a == nil {
				continue
			}
			if _, call := a.Expr.(*hclsyntax.FunctionCallExpr); call {
				continue
			}
			if src == nil {
				src = bytes.Clone(f.Bytes)
			}
			r := a.Expr.Range()
			for i := r.Start.Byte; i < r.End.Byte && i < len(src); i++ {
				if src[i] != '\n' && src[i] != '\r' {
					src[i] = '*'
				}
			}
		}
	}
	if src == nil {
		return f
	}
	return &hcl.File{Body: f.Body, Bytes: src, Nav: f.Nav}
}
