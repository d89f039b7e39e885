package runner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// headTail keeps the first and last bytes written to it, so a provider that logs megabytes
// cannot exhaust memory while both its startup messages and its dying words are kept.
type headTail struct {
	head  []byte
	tail  []byte // ring buffer of cap(tail) bytes once full
	start int    // index of the oldest byte in tail once it is full
	limit int    // capacity of head and of tail
	total int64
}

func newHeadTail(limit int) *headTail {
	half := max(limit/2, 1)
	return &headTail{limit: half} // grown as written: most providers write little or nothing to stderr
}

func (h *headTail) Write(p []byte) (int, error) {
	n := len(p)
	h.total += int64(n)
	if room := h.limit - len(h.head); room > 0 {
		k := min(room, len(p))
		h.head = append(h.head, p[:k]...)
		p = p[k:]
	}
	if len(p) >= h.limit {
		// Only the last limit bytes of p can survive: replace the ring wholesale.
		h.tail = append(h.tail[:0], p[len(p)-h.limit:]...)
		h.start = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(h.tail) < h.limit {
			k := min(h.limit-len(h.tail), len(p))
			h.tail = append(h.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(h.tail[h.start:], p)
		h.start = (h.start + k) % h.limit
		p = p[k:]
	}
	return n, nil
}

// String returns the head, then a marker saying how much was dropped (if anything), then the
// tail, with invalid UTF-8 replaced so the text can go into JSON reports.
func (h *headTail) String() string {
	var b strings.Builder
	b.Write(h.head)
	omitted := h.total - int64(len(h.head)) - int64(len(h.tail))
	if omitted > 0 {
		fmt.Fprintf(&b, "\n... %d bytes omitted ...\n", omitted)
	}
	b.Write(h.tail[h.start:])
	b.Write(h.tail[:h.start])
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// maxLogLine bounds one debug log record of provider stderr; longer lines are split.
const maxLogLine = 4 << 10

// lineLogger streams provider stderr to a logger at debug level, one record per line, so
// `--log-level debug` shows providers' logs live.
type lineLogger struct {
	ctx    context.Context
	logger *slog.Logger
	attrs  []slog.Attr
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLogLine - len(l.buf)
			if len(p) < room {
				l.buf = append(l.buf, p...)
				break
			}
			l.buf = append(l.buf, p[:room]...)
			p = p[room:]
			l.flush()
			continue
		}
		l.buf = append(l.buf, p[:i]...)
		p = p[i+1:]
		l.flush()
	}
	return n, nil
}

func (l *lineLogger) flush() {
	if len(l.buf) == 0 {
		return
	}
	line := strings.ToValidUTF8(string(bytes.TrimRight(l.buf, "\r")), "\uFFFD")
	l.buf = l.buf[:0]
	l.logger.LogAttrs(l.ctx, slog.LevelDebug, "provider stderr", append(l.attrs, slog.String("line", line))...)
}

// excerpt shortens s to about n bytes by keeping its first quarter and its last three quarters,
// cut at line boundaries when they are near: a crash tends to say what happened first ("panic:
// …") and where last.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := s[:n/4], s[len(s)-(n-n/4):]
	if i := strings.LastIndexByte(head, '\n'); i > len(head)/2 {
		head = head[:i+1]
	}
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < len(tail)/4 {
		tail = tail[i+1:]
	}
	omitted := len(s) - len(head) - len(tail)
	return strings.ToValidUTF8(head, "") + fmt.Sprintf("\n... %d bytes omitted ...\n", omitted) + strings.ToValidUTF8(tail, "")
}
