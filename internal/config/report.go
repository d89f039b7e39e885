package config

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/report"
)

// reportSchema is a `report "<format>"` block; the formats are those internal/report renders.
var reportSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "path", Required: true}, {Name: "category"},
}}

func (l *loader) decodeReport(b *hcl.Block) {
	c := l.content(b, reportSchema)
	r := Report{Format: b.Labels[0], Range: b.DefRange}
	if formats := report.Formats(); !slices.Contains(formats, r.Format) {
		slices.Sort(formats) // listed alphabetically, whatever order report keeps them in
		l.errorf(b.LabelRanges[0], "Unknown report format",
			"%q is not a report format. Use one of: %s.", r.Format, strings.Join(formats, ", "))
	}
	if attr := c.Attributes["path"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			switch s {
			case "":
				l.errorf(attr.Expr.Range(), "Empty report path",
					"The report's path is empty. Name a file (relative to %s, or absolute), or \"-\" for standard output.", l.cfg.Dir)
			case "-":
				r.Path = s
			default:
				r.Path = l.abs(s)
			}
			if prev, dup := l.reportPaths[r.Path]; dup && r.Path != "" {
				l.errorf(attr.Expr.Range(), "Duplicate report path",
					"The report at %s already writes to %q; two reports would overwrite or interleave each other. Give each report its own path.", pos(prev), s)
			} else if r.Path != "" {
				l.reportPaths[r.Path] = attr.Expr.Range()
			}
		}
	}
	if attr := c.Attributes["category"]; attr != nil {
		if s, ok := l.requiredStr(attr, l.fileCtx); ok {
			switch {
			case r.Format != "sarif":
				l.errorf(attr.Range, "Category on a non-SARIF report",
					"category is the SARIF automationDetails.id that GitHub code scanning keeps alerts apart by; a %q report has none. Remove category, or use it in a report \"sarif\" block.", r.Format)
			case strings.TrimSpace(s) == "":
				l.errorf(attr.Expr.Range(), "Empty SARIF category",
					"The category is empty. Name one like \"argus/web/\" (unique per argus upload in the repository), or remove category for the default (argus/, or argus/shard-I-of-N/ with --shard).")
			default:
				r.Category = s
			}
		}
	}
	l.cfg.Reports = append(l.cfg.Reports, r)
}
