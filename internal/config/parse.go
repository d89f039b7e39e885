package config

import (
	"bytes"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// chunkSize is roughly how many bytes of source parseConfig hands to the HCL parser at once.
// hclsyntax lexes a whole input into one slice of tokens before parsing it; for a file of
// thousands of blocks that slice grows by copying a few hundred megabytes (most of a load's
// allocations and time, BenchmarkLoad). Parsing the file a few top-level blocks at a time keeps
// every slice small.
const chunkSize = 2048

// parseConfig parses src as one HCL file, like hclparse.Parser.ParseHCL, but in chunks that
// end at a line holding only "}" (the usual end of a top-level block), each parsed at its own
// position in the file, then joined into one body. Whenever that could differ from parsing the
// whole file, it parses the whole file instead: when any chunk has a diagnostic (a split that
// fell inside a nested block, a heredoc, a comment or an expression leaves its chunk unclosed,
// which is an error) or a top-level attribute (duplicate attributes are reported across the
// whole body). So the result, diagnostics included, is the whole-file parse's.
func parseConfig(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	whole := func() (*hcl.File, hcl.Diagnostics) { return hclsyntax.ParseConfig(src, filename, hcl.InitialPos) }
	if len(src) <= 2*chunkSize {
		return whole()
	}
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	var first, last *hclsyntax.Body
	pos := hcl.InitialPos
	for rest := src; len(rest) > 0; {
		n := chunkEnd(rest)
		f, diags := hclsyntax.ParseConfig(rest[:n], filename, pos)
		if len(diags) > 0 {
			return whole()
		}
		b, ok := f.Body.(*hclsyntax.Body)
		if !ok || len(b.Attributes) > 0 {
			return whole()
		}
		if first == nil {
			first = b
		}
		last = b
		body.Blocks = append(body.Blocks, b.Blocks...)
		pos.Byte += n
		pos.Line += bytes.Count(rest[:n], []byte("\n"))
		rest = rest[n:]
	}
	body.SrcRange = hcl.RangeBetween(first.SrcRange, last.SrcRange)
	body.EndRange = last.EndRange
	return &hcl.File{Body: body, Bytes: src, Nav: navigation{body}}, nil
}

// chunkEnd is where the first chunk of src ends: just after the first "\n}\n" at or beyond
// chunkSize bytes, or at the end of src.
func chunkEnd(src []byte) int {
	if len(src) <= chunkSize {
		return len(src)
	}
	i := bytes.Index(src[chunkSize:], []byte("\n}\n"))
	if i < 0 {
		return len(src)
	}
	return chunkSize + i + 3
}

// navigation is hclsyntax's own navigation (unexported there) over the joined body: it names
// the top-level block holding an offset, for the "in job \"x\"" context of diagnostics.
type navigation struct{ root *hclsyntax.Body }

func (n navigation) block(offset int) *hclsyntax.Block {
	for _, b := range n.root.Blocks {
		if b.Range().ContainsOffset(offset) {
			return b
		}
	}
	return nil
}

// ContextString implements hcled.ContextString, as hclsyntax does.
func (n navigation) ContextString(offset int) string {
	b := n.block(offset)
	if b == nil {
		return ""
	}
	var buf bytes.Buffer
	buf.WriteString(b.Type)
	for _, label := range b.Labels {
		fmt.Fprintf(&buf, " %q", label)
	}
	return buf.String()
}

// ContextDefRange implements hcled.ContextDefRange, as hclsyntax does.
func (n navigation) ContextDefRange(offset int) hcl.Range {
	b := n.block(offset)
	if b == nil {
		return hcl.Range{}
	}
	return b.DefRange()
}
