package host

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// maxLogLine bounds one plugin log line as argus re-logs it; the stderr tail keeps the bytes.
const maxLogLine = 4 << 10

// maxLogAttrs bounds the attributes taken from one hclog JSON line.
const maxLogAttrs = 32

// stderrLog receives the plugin's raw stderr: it keeps the tail and re-logs each line through
// the job's budget, parsing hclog JSON itself. go-plugin's own parser is switched off (the
// plugin's logger reports level Off to it) because it type-asserts the fields of any JSON line,
// so one line such as {"@message": 5} from a plugin would panic argus.
type stderrLog struct {
	tail   *tail
	budget *logBudget

	mu      sync.Mutex
	partial []byte // the current line so far, at most maxLogLine bytes
	cut     bool   // the current line was longer than that
	inPanic bool   // a Go panic started: the rest of the output is its trace
}

func (s *stderrLog) Write(p []byte) (int, error) {
	_, _ = s.tail.Write(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxLogLine - len(s.partial); room > 0 {
			s.partial = append(s.partial, chunk[:min(room, len(chunk))]...)
		}
		if len(chunk) > maxLogLine-len(s.partial) {
			s.cut = s.cut || len(s.partial)+len(chunk) > maxLogLine
		}
		if i < 0 {
			break
		}
		s.line(s.partial, s.cut)
		s.partial, s.cut = s.partial[:0], false
		p = p[i+1:]
	}
	return n, nil
}

// flush logs a last line that had no newline.
func (s *stderrLog) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.line(s.partial, s.cut)
		s.partial, s.cut = s.partial[:0], false
	}
}

func (s *stderrLog) line(b []byte, cut bool) {
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	level, msg, attrs := s.parse(b)
	if cut {
		msg += "… (line cut)"
	}
	s.budget.log(level, msg, attrs)
}

// parse reads an hclog JSON line (@level, @message, @timestamp, @module and other keys), else
// guesses the level from a "[LEVEL]" prefix or a panic, as go-plugin does, else debug.
func (s *stderrLog) parse(b []byte) (slog.Level, string, []slog.Attr) {
	var entry map[string]any
	if b[0] == '{' && json.Unmarshal(b, &entry) == nil {
		msg, okMsg := entry["@message"].(string)
		lvl, okLvl := entry["@level"].(string)
		if okMsg && okLvl {
			delete(entry, "@message")
			delete(entry, "@level")
			delete(entry, "@timestamp")
			keys := make([]string, 0, len(entry))
			for k := range entry {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			attrs := make([]slog.Attr, 0, min(len(keys), maxLogAttrs))
			for _, k := range keys[:min(len(keys), maxLogAttrs)] {
				attrs = append(attrs, slog.Any(strings.TrimPrefix(k, "@"), boundValue(entry[k])))
			}
			return slogLevel(hclog.LevelFromString(lvl)), msg, attrs
		}
	}
	line := string(b)
	for _, p := range []struct {
		prefix string
		level  slog.Level
	}{{"[TRACE]", slog.LevelDebug - 4}, {"[DEBUG]", slog.LevelDebug}, {"[INFO]", slog.LevelInfo}, {"[WARN]", slog.LevelWarn}, {"[ERROR]", slog.LevelError}} {
		if strings.HasPrefix(line, p.prefix) {
			return p.level, line, nil
		}
	}
	if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
		s.inPanic = true
	}
	if s.inPanic {
		return slog.LevelError, line, nil
	}
	return slog.LevelDebug, line, nil
}

// boundValue keeps a JSON value from a plugin log line, with long strings cut.
func boundValue(v any) any {
	if str, ok := v.(string); ok && len(str) > defaultValueLength {
		return str[:defaultValueLength] + "…"
	}
	if _, ok := v.(string); !ok {
		if b, err := json.Marshal(v); err == nil && len(b) > defaultValueLength {
			return string(b[:defaultValueLength]) + "…"
		}
	}
	return v
}
