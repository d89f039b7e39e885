package host

import (
	"strconv"
	"sync"
)

// tail keeps the last max bytes written to it. It is safe for concurrent use: go-plugin writes
// stderr from one goroutine and the stdio stream from another.
type tail struct {
	mu    sync.Mutex
	max   int
	buf   []byte
	total int64
}

func newTail(n int) *tail { return &tail{max: n} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total += int64(len(p))
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return len(p), nil
}

// String is the kept tail, marked when earlier output was dropped.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if dropped := t.total - int64(len(t.buf)); dropped > 0 {
		return "[" + strconv.FormatInt(dropped, 10) + " earlier bytes omitted]\n" + string(t.buf)
	}
	return string(t.buf)
}
