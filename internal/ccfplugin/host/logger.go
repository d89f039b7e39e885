package host

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// logBudget bounds what one job's plugin may log through argus's logger.
type logBudget struct {
	mu           sync.Mutex
	lines, bytes int
	maxLines     int
	maxBytes     int
	exhausted    bool
	dropped      int
	logger       *slog.Logger
	// ctx is the job's context, for slog handlers that use it; a budget lives exactly as long
	// as its job.
	ctx            context.Context
	maxValueLength int
}

// allow reports whether a line of n bytes may still be logged, logging once when the budget
// runs out.
func (b *logBudget) allow(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.exhausted {
		b.dropped++
		return false
	}
	b.lines++
	b.bytes += n
	if b.lines > b.maxLines || b.bytes > b.maxBytes {
		b.exhausted = true
		b.dropped++
		b.logger.LogAttrs(b.ctx, slog.LevelWarn, "plugin log limit reached: further plugin log lines are dropped (the stderr tail is still kept)",
			slog.Int("max_lines", b.maxLines), slog.Int("max_bytes", b.maxBytes))
		return false
	}
	return true
}

// log re-logs one plugin line, within the budget.
func (b *logBudget) log(level slog.Level, msg string, attrs []slog.Attr) {
	if !b.logger.Enabled(b.ctx, level) || !b.allow(len(msg)) {
		return
	}
	b.logger.LogAttrs(b.ctx, level, msg, append([]slog.Attr{slog.String("source", "plugin")}, attrs...)...)
}

func (b *logBudget) droppedLines() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// hclogAdapter is the hclog.Logger go-plugin wants, writing go-plugin's own messages to slog
// at debug level: they describe the host's mechanics (and "plugin process exited … signal:
// killed" is how every job ends). The named sub-logger go-plugin creates for the plugin's
// stderr (named after the executable) reports level Off, which makes go-plugin skip its own
// parsing of those lines; [stderrLog] parses them instead.
type hclogAdapter struct {
	budget   *logBudget
	name     string
	plugin   bool // lines from the plugin itself
	implied  []any
	exeName  string
	minLevel hclog.Level
}

var _ hclog.Logger = (*hclogAdapter)(nil)

func newHCLogAdapter(b *logBudget, exeName string) *hclogAdapter {
	level := hclog.Error
	for _, l := range []struct {
		h hclog.Level
		s slog.Level
	}{{hclog.Trace, slog.LevelDebug - 4}, {hclog.Debug, slog.LevelDebug}, {hclog.Info, slog.LevelInfo}, {hclog.Warn, slog.LevelWarn}} {
		if b.logger.Enabled(b.ctx, l.s) {
			level = l.h
			break
		}
	}
	return &hclogAdapter{budget: b, exeName: exeName, minLevel: level}
}

func slogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug, hclog.NoLevel, hclog.Off:
		return slog.LevelDebug
	case hclog.Info:
		return slog.LevelInfo
	case hclog.Warn:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

func (a *hclogAdapter) Log(_ hclog.Level, msg string, args ...any) {
	if a.plugin || !a.budget.logger.Enabled(a.budget.ctx, slog.LevelDebug) {
		// The plugin's lines reach argus through stderrLog, never through here.
		return
	}
	attrs := make([]slog.Attr, 0, len(a.implied)/2+len(args)/2)
	attrs = a.appendPairs(attrs, a.implied)
	attrs = a.appendPairs(attrs, args)
	if len(msg) > a.budget.maxValueLength {
		msg = msg[:a.budget.maxValueLength] + "…"
	}
	a.budget.logger.LogAttrs(a.budget.ctx, slog.LevelDebug, msg, attrs...)
}

// appendPairs turns hclog's key/value list into attributes, bounding long string values.
func (a *hclogAdapter) appendPairs(attrs []slog.Attr, kv []any) []slog.Attr {
	for i := 0; i < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		var v any = "(missing)"
		if i+1 < len(kv) {
			v = kv[i+1]
		}
		if s := fmt.Sprint(v); len(s) > a.budget.maxValueLength {
			v = s[:a.budget.maxValueLength] + "…"
		}
		attrs = append(attrs, slog.Any(key, v))
	}
	return attrs
}

func (a *hclogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a *hclogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a *hclogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a *hclogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a *hclogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }
func (a *hclogAdapter) IsTrace() bool                 { return a.minLevel <= hclog.Trace }
func (a *hclogAdapter) IsDebug() bool                 { return a.minLevel <= hclog.Debug }
func (a *hclogAdapter) IsInfo() bool                  { return a.minLevel <= hclog.Info }
func (a *hclogAdapter) IsWarn() bool                  { return a.minLevel <= hclog.Warn }
func (a *hclogAdapter) IsError() bool                 { return a.minLevel <= hclog.Error }
func (a *hclogAdapter) ImpliedArgs() []any            { return a.implied }
func (a *hclogAdapter) Name() string                  { return a.name }
func (a *hclogAdapter) SetLevel(hclog.Level)          {}
func (a *hclogAdapter) GetLevel() hclog.Level {
	if a.plugin {
		return hclog.Off // go-plugin then leaves the plugin's stderr lines to stderrLog
	}
	return a.minLevel
}

func (a *hclogAdapter) With(args ...any) hclog.Logger {
	c := *a
	c.implied = append(append([]any(nil), a.implied...), args...)
	return &c
}

func (a *hclogAdapter) Named(name string) hclog.Logger {
	c := *a
	if c.name != "" {
		c.name += "." + name
	} else {
		c.name = name
	}
	// go-plugin names the logger of the plugin's stderr after the executable's base name.
	c.plugin = a.plugin || name == a.exeName
	return &c
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger {
	c := *a
	c.name = name
	c.plugin = name == a.exeName
	return &c
}

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(a.StandardWriter(opts), "", 0)
}

func (a *hclogAdapter) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		a.Debug(string(p))
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
