package outbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// readers is how many item files Index reads at once: the cost of a file is mostly the
// open/read/close round trips, which overlap well beyond the number of cores.
const readers = 8

// Index reads what `argus outbox list` shows and what Deliver orders by: every item without its
// payload (which stays in its file), oldest first, and the corrupt files. It holds a few hundred
// bytes per item whatever the payloads weigh, so a backlog of 100,000 results fits in a few tens
// of megabytes. The payload is still parsed (a file whose payload is not JSON is corrupt, as for
// Scan), just not kept.
func (o *Outbox) Index() (Listing, error) {
	names, err := o.names()
	if err != nil {
		return Listing{}, err
	}
	items := make([]Item, len(names))
	errs := make([]error, len(names))
	o.readAll(names, func(i int, it Item, err error) { items[i], errs[i] = it, err })
	var l Listing
	l.Items = items[:0]
	for i, it := range items {
		if errs[i] != nil {
			l.Corrupt = append(l.Corrupt, &CorruptError{ID: names[i], Path: o.path(names[i]), Err: errs[i]})
			continue
		}
		l.Items = append(l.Items, it)
	}
	sortItems(l.Items)
	return l, nil
}

// ref is what Deliver keeps of a backlog item until its turn: a quarter of an Item's size.
type ref struct {
	id        string
	created   int64 // unix nanoseconds
	permanent bool
}

// order is the backlog as Deliver walks it: refs oldest first, and the corrupt files.
func (o *Outbox) order() ([]ref, []*CorruptError, error) {
	names, err := o.names()
	if err != nil {
		return nil, nil, err
	}
	refs := make([]ref, len(names))
	errs := make([]error, len(names))
	o.readAll(names, func(i int, it Item, err error) {
		refs[i], errs[i] = ref{id: names[i], created: it.Created.UnixNano(), permanent: it.Permanent}, err
	})
	var corrupt []*CorruptError
	kept := refs[:0]
	for i, r := range refs {
		if errs[i] != nil {
			corrupt = append(corrupt, &CorruptError{ID: names[i], Path: o.path(names[i]), Err: errs[i]})
			continue
		}
		kept = append(kept, r)
	}
	slices.SortFunc(kept, func(a, b ref) int { return cmp.Or(cmp.Compare(a.created, b.created), strings.Compare(a.id, b.id)) })
	return kept, corrupt, nil
}

// readAll reads the metadata of the named items, readers at a time, and hands each to keep
// (called concurrently, for distinct i).
func (o *Outbox) readAll(names []string, keep func(i int, it Item, err error)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(readers, len(names)) {
		wg.Go(func() {
			buf := make([]byte, 0, 16<<10) // one per reader: item files are a few KB
			// The same few errors recur across a backlog (a control plane down for a day gives
			// every item the same one): one copy each per reader.
			seen := map[string]string{}
			for i := range next {
				it, err := readMeta(o.path(names[i]), names[i], buf)
				for _, s := range []*string{&it.LastError, &it.Kind} {
					if c, ok := seen[*s]; ok {
						*s = c
					} else if len(seen) < 1024 {
						seen[*s] = *s
					}
				}
				keep(i, it, err)
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Count is how many item files the outbox holds (corrupt ones included), without reading any.
func (o *Outbox) Count() (int, error) {
	names, err := o.names()
	return len(names), err
}

// names lists the IDs of the item files (file names without ".json"), removing atomicfile's
// temporaries left by a write interrupted before its rename (they were never items).
func (o *Outbox) names() ([]string, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("read outbox directory %q: %w", o.dir, err)
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") {
			_ = os.Remove(filepath.Join(o.dir, name))
			continue
		}
		if id, ok := strings.CutSuffix(name, ".json"); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func sortItems(items []Item) {
	slices.SortFunc(items, func(a, b Item) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
}

// readMeta reads the item file at path, named id, into buf (grown if too small) without keeping
// its payload; it fails where
// readItem fails. The file is checked as JSON once (json.Valid), then only the top-level values
// other than the payload are decoded: decoding the whole item would scan the payload, most of
// its bytes, a second and a third time.
func readMeta(path, id string, buf []byte) (Item, error) {
	data, err := readSmall(path, buf)
	if err != nil {
		return Item{}, err
	}
	if !json.Valid(data) {
		// readItem's error says what is wrong where.
		if _, err := decodeItem(data); err != nil {
			return Item{}, err
		}
		return Item{}, errors.New("decode: not JSON")
	}
	var it Item
	payload := false
	err = topLevel(data, func(key string, value []byte) error {
		var dst any
		switch strings.ToLower(key) { // as encoding/json matches field names

		case "payload":
			payload = len(value) > 0
			return nil
		case "id":
			dst = &it.ID
		case "created":
			dst = &it.Created
		case "kind":
			dst = &it.Kind
		case "attempts":
			dst = &it.Attempts
		case "last_error":
			dst = &it.LastError
		case "last_attempt":
			dst = &it.LastAttempt
		case "permanent":
			dst = &it.Permanent
		default:
			return nil
		}
		return json.Unmarshal(value, dst)
	})
	if err != nil {
		return Item{}, fmt.Errorf("decode: %w", err)
	}
	if it.ID == "" || it.Kind == "" || !payload {
		return Item{}, errors.New("id, kind or payload missing")
	}
	if it.ID != id {
		return Item{}, fmt.Errorf("id %q does not match the file name", it.ID)
	}
	it.ID = id // the listing's copy, so that each item holds one
	return it, nil
}

// errNotObject is topLevel's answer for a document it cannot take apart without decoding.
var errNotObject = errors.New("not a JSON object of plain keys")

// topLevel calls f with each key and raw value of the JSON object data, which json.Valid has
// accepted. Values are delimited, not decoded (f decodes the ones it wants). A key with an
// escape sequence is decoded as json.Unmarshal would match it, by falling back to it.
func topLevel(data []byte, f func(key string, value []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errors.New("an item is a JSON object")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil
	}
	for i < len(data) {
		if data[i] != '"' {
			return errNotObject
		}
		end := i + 1
		for end < len(data) && data[end] != '"' && data[end] != '\\' {
			end++
		}
		if end >= len(data) || data[end] == '\\' {
			return fallbackTopLevel(data, f)
		}
		key := string(data[i+1 : end])
		i = skipSpace(data, end+1)
		if i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if err := f(key, data[i:vend]); err != nil {
			return err
		}
		i = skipSpace(data, vend)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return nil
		}
		return errNotObject
	}
	return errNotObject
}

// fallbackTopLevel is topLevel through encoding/json, for keys with escapes.
func fallbackTopLevel(data []byte, f func(key string, value []byte) error) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for k, v := range m {
		if err := f(k, v); err != nil {
			return err
		}
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at data[i].
func skipValue(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
