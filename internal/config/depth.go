package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxNesting is how deeply a configuration file may nest blocks, brackets, strings, template
// interpolations and directives, unary operators and conditionals. HCL's parser recurses once
// per level, so about 60,000 levels exhaust Go's stack and crash argus (a fatal error, not a
// recoverable panic). Real configurations stay under twenty.
const MaxNesting = 256

// MaxFileSize is the largest configuration file argus parses. HCL's parser holds several
// times a file's size in memory; a real configuration is kilobytes, a remote one is capped at
// the same size when it is fetched (package remoteconfig).
const MaxFileSize = 16 << 20

// parseHCL parses one configuration file after checking that it is at most MaxFileSize and
// does not nest deeper than MaxNesting. A file that is not is refused with one diagnostic (at
// the place it gets too deep) and a nil file.
func parseHCL(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if len(src) > MaxFileSize {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Configuration file too large",
			Detail: fmt.Sprintf("This file is %d bytes; argus reads configuration files of at most %d MiB. Split it, or check that --config points at the configuration.",
				len(src), MaxFileSize>>20),
			Subject: &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos},
		}}
	}
	if d := checkNesting(src, filename); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	return parseConfig(src, filename)
}

// nestFrame is one open bracket (or string, heredoc, interpolation) and the conditionals
// (a ? b : c ? …) that are chained in it so far: each one nests the parser a level deeper.
type nestFrame struct {
	close     hclsyntax.TokenType
	questions int
}

// checkNesting measures nesting on HCL's own token stream (its scanner keeps its state in a
// slice, not on the call stack, so it is safe on any input) and returns a diagnostic at the
// first token that goes deeper than MaxNesting, or nil. It overestimates rather than
// underestimates: an unbalanced closing token is ignored, and the parser reports it.
func checkNesting(src []byte, filename string) *hcl.Diagnostic {
	toks, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos) // lexing errors are the parser's to report
	var (
		stack   []nestFrame
		ternary int // questions summed over stack
		control int // open %{ if } / %{ for } directives
		unary   int // run of consecutive unary operators (- - ! x)
	)
	afterControl := false
	for _, tok := range toks {
		opens := hclsyntax.TokenNil
		switch tok.Type {
		case hclsyntax.TokenOBrace:
			opens = hclsyntax.TokenCBrace
		case hclsyntax.TokenOBrack:
			opens = hclsyntax.TokenCBrack
		case hclsyntax.TokenOParen:
			opens = hclsyntax.TokenCParen
		case hclsyntax.TokenOQuote:
			opens = hclsyntax.TokenCQuote
		case hclsyntax.TokenOHeredoc:
			opens = hclsyntax.TokenCHeredoc
		case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			opens = hclsyntax.TokenTemplateSeqEnd
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if n := len(stack); n > 0 && stack[n-1].close == tok.Type {
				ternary -= stack[n-1].questions
				stack = stack[:n-1]
			}
		case hclsyntax.TokenQuestion:
			if n := len(stack); n > 0 {
				stack[n-1].questions++
			}
			ternary++
		case hclsyntax.TokenComma, hclsyntax.TokenNewline:
			// Ends an element or attribute, and with it the conditionals chained in it.
			if n := len(stack); n > 0 {
				ternary -= stack[n-1].questions
				stack[n-1].questions = 0
			} else {
				ternary = 0
			}
		case hclsyntax.TokenIdent:
			if afterControl {
				switch string(tok.Bytes) {
				case "if", "for":
					control++
				case "endif", "endfor":
					control = max(control-1, 0)
				}
			}
		}
		afterControl = tok.Type == hclsyntax.TokenTemplateControl
		if tok.Type == hclsyntax.TokenMinus || tok.Type == hclsyntax.TokenBang {
			unary++
		} else {
			unary = 0
		}
		if opens != hclsyntax.TokenNil {
			stack = append(stack, nestFrame{close: opens})
		}
		if depth := len(stack) + ternary + control + unary; depth > MaxNesting {
			rng := tok.Range
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Configuration nested too deeply",
				Detail: fmt.Sprintf("This file nests blocks, brackets, strings, operators or conditionals more than %d levels deep here; argus refuses it before parsing rather than exhaust its stack. Flatten the structure (it is most likely generated or damaged).",
					MaxNesting),
				Subject: &rng,
			}
		}
	}
	return nil
}
