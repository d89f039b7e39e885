package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compliance-framework/argus/internal/atomicfile"
)

// PutAll stores items durably as Put does, one file each, but waits for the disk once for the
// whole batch instead of once per item: every file is written and closed, the data of all of
// them is flushed together (one syncfs(2) on Linux; one fsync per file elsewhere), then each
// is renamed into place and the directory is fsynced once. It returns when every item is
// durable, so a caller that records a job's end afterwards never records the end of a job
// whose results could be lost. On error no item of the batch that was not yet renamed stays
// behind; items already renamed are complete, durable-on-next-sync items, like those of a
// Put that succeeded before a later one failed.
//
// The trade-off (BenchmarkPutAll): syncfs also flushes whatever else is dirty on the same
// file system, which on a busy shared disk can cost more than the fsyncs it saves; for one
// job's results (hundreds to thousands of small files) it is far cheaper than one fsync each.
func (o *Outbox) PutAll(items []Item) ([]Item, error) {
	if len(items) == 0 {
		return nil, nil
	}
	stored := make([]Item, len(items))
	for i, it := range items {
		norm, err := o.normalise(it)
		if err != nil {
			return nil, err
		}
		stored[i] = norm
	}
	tmps := make([]string, 0, len(stored))
	renamed := 0
	defer func() {
		for _, t := range tmps[renamed:] {
			_ = os.Remove(t) // best effort: a leftover temporary is removed by the next Scan
		}
	}()
	for _, it := range stored {
		tmp, err := o.writeTemp(it)
		if err != nil {
			return nil, err
		}
		tmps = append(tmps, tmp)
	}
	if err := flushFiles(o.dir, tmps); err != nil {
		return nil, fmt.Errorf("write %d outbox items: flush to disk: %w", len(tmps), err)
	}
	o.flushes.Add(1)
	for i, it := range stored {
		if err := os.Rename(tmps[i], o.path(it.ID)); err != nil {
			return nil, fmt.Errorf("write outbox item %s: %w", it.ID, err)
		}
		renamed++
		o.remember(it.ID)
	}
	if err := atomicfile.SyncDir(o.dir); err != nil {
		return nil, fmt.Errorf("write %d outbox items: %w", len(stored), err)
	}
	return stored, nil
}

// writeTemp writes item into a new temporary file of the outbox (named as atomicfile names
// its temporaries, so that Scan removes one left by a crash) and closes it, unsynced.
func (o *Outbox) writeTemp(item Item) (path string, err error) {
	data, err := json.Marshal(item)
	if err != nil {
		return "", fmt.Errorf("encode outbox item %s: %w", item.ID, err)
	}
	f, err := os.CreateTemp(o.dir, "."+item.ID+".json.tmp-*")
	if err != nil {
		return "", fmt.Errorf("write outbox item %s: %w", item.ID, err)
	}
	_, werr := f.Write(append(data, '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name()) // best effort, the write error is the one to report
		return "", fmt.Errorf("write outbox item %s: %w", item.ID, err)
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("write outbox item %s: %w", item.ID, err)
	}
	return f.Name(), nil
}

// Flushes is how many times this Outbox has waited for data to reach the disk: once per Put,
// once per PutAll batch, once per item whose delivery failed and was recorded.
func (o *Outbox) Flushes() int64 { return o.flushes.Load() }

// fsyncEach is the portable flush: one fsync per file.
func fsyncEach(paths []string) error {
	for _, p := range paths {
		// Read-write: Windows' FlushFileBuffers refuses a handle opened read-only.
		f, err := os.OpenFile(filepath.Clean(p), os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("sync %q: %w", p, err)
		}
	}
	return nil
}
