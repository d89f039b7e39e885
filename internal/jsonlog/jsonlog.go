package jsonlog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// Writer turns the lines written to it into log records. It is safe for concurrent use; a
// line is logged once its newline is written (Flush logs a last partial one).
type Writer struct {
	Logger *slog.Logger // required

	mu  sync.Mutex
	buf []byte
}

// Write logs each complete line of p.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// Flush logs what was written after the last newline.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.line(string(w.buf))
		w.buf = nil
	}
}

// Record logs one record with attributes, for callers that have structure to give (a
// diagnostic's file, line and column).
func (w *Writer) Record(level slog.Level, msg string, attrs ...slog.Attr) {
	w.Logger.LogAttrs(context.Background(), level, msg, attrs...)
}

// prefixes map argus's plain-line conventions to levels; the prefix is dropped from the message.
var prefixes = []struct {
	prefix string
	level  slog.Level
}{
	{"argus: error: ", slog.LevelError},
	{"argus: warning: ", slog.LevelWarn},
	{"argus: hint: ", slog.LevelInfo},
	{"argus: ", slog.LevelInfo},
}

func (w *Writer) line(s string) {
	s = strings.TrimRight(s, "\r")
	if strings.TrimSpace(s) == "" {
		return
	}
	level := slog.LevelInfo
	var attrs []slog.Attr
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok {
			s, level = rest, p.level
			if p.prefix == "argus: hint: " {
				attrs = append(attrs, slog.Bool("hint", true))
			}
			break
		}
	}
	w.Logger.LogAttrs(context.Background(), level, s, attrs...)
}
