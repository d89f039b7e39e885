package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/outbox"
)

// outboxOpener is the workspace's Outbox: a real outbox in a temporary directory, or err.
type outboxOpener struct {
	ob  *outbox.Outbox
	err error
}

func (o outboxOpener) Outbox(context.Context) (*outbox.Outbox, error) { return o.ob, o.err }

// newOutbox is an outbox holding two items (the second rejected) and one corrupt file.
func newOutbox(t *testing.T) (ob *outbox.Outbox, ids []string) {
	t.Helper()
	ob, err := outbox.Open(filepath.Join(t.TempDir(), "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 2 {
		it, err := ob.Put(outbox.Item{Kind: outbox.KindEvidence, Created: created.Add(time.Duration(i) * time.Minute), Payload: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	if err := os.WriteFile(filepath.Join(ob.Dir(), "garbage.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	return ob, ids
}

func TestWriteListing(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	for _, tt := range []struct {
		name string
		l    outbox.Listing
		want []string // lines, in order
	}{
		{"empty", outbox.Listing{}, []string{"The outbox is empty: every result was delivered."}},
		{"waiting and rejected", outbox.Listing{Items: []outbox.Item{
			{ID: "0b0e8a3c-1111-4222-8333-44445555666a", Created: created, Attempts: 2, LastError: "503 Service Unavailable"},
			{ID: "0b0e8a3c-1111-4222-8333-44445555666b", Created: created, Attempts: 1, LastError: "400 Bad Request", Permanent: true},
		}}, []string{
			"ID                                    CREATED               ATTEMPTS  STATE     LAST ERROR",
			"0b0e8a3c-1111-4222-8333-44445555666a  2026-01-02T02:04:05Z  2         waiting   503 Service Unavailable",
			"0b0e8a3c-1111-4222-8333-44445555666b  2026-01-02T02:04:05Z  1         rejected  400 Bad Request",
			"2 result(s) waiting.",
		}},
		{"waiting only: the state column is as wide as with a rejected row", outbox.Listing{Items: []outbox.Item{
			{ID: "0b0e8a3c-1111-4222-8333-44445555666a", Created: created, Attempts: 2, LastError: "503 Service Unavailable"},
		}}, []string{
			"ID                                    CREATED               ATTEMPTS  STATE     LAST ERROR",
			"0b0e8a3c-1111-4222-8333-44445555666a  2026-01-02T02:04:05Z  2         waiting   503 Service Unavailable",
			"1 result(s) waiting.",
		}},
		{"corrupt only", outbox.Listing{Corrupt: []*outbox.CorruptError{{ID: "garbage", Path: "/s/outbox/garbage.json", Err: errors.New("unexpected EOF")}}}, []string{
			"ID       CREATED  ATTEMPTS  STATE    LAST ERROR",
			"garbage  -        -         corrupt  unexpected EOF (inspect /s/outbox/garbage.json, then drop it)",
			"0 result(s) waiting, 1 corrupt file(s) (undeliverable until dropped).",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := WriteListing(&out, tt.l); err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), strings.Join(tt.want, "\n")+"\n"; got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// A long backlog is written in flushed chunks; the columns have fixed widths, so every row
// lines up whatever chunk it was in.
func TestWriteListingOfALongBacklog(t *testing.T) {
	var l outbox.Listing
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 2500 {
		l.Items = append(l.Items, outbox.Item{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Created: created, Attempts: 1, LastError: "x", Permanent: i == 2000})
	}
	var out bytes.Buffer
	if err := WriteListing(&out, l); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2502 {
		t.Fatalf("%d lines, want 2502", len(lines))
	}
	col := strings.Index(lines[0], "LAST ERROR")
	for i, line := range lines[1:2501] {
		if strings.Index(line, " x") != col-1 {
			t.Fatalf("row %d is not aligned with the header:\n%s\n%s", i, lines[0], line)
		}
	}
}

func TestListOutbox(t *testing.T) {
	ob, ids := newOutbox(t)
	var out bytes.Buffer
	l, err := ListOutbox(context.Background(), outboxOpener{ob: ob}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 2 || l.Items[0].ID != ids[0] || len(l.Corrupt) != 1 || l.Corrupt[0].ID != "garbage" {
		t.Errorf("listing = %+v", l)
	}
	if !strings.Contains(out.String(), "2 result(s) waiting, 1 corrupt file(s)") {
		t.Errorf("output:\n%s", &out)
	}

	// A state lock that cannot be taken (another run holds it) lists nothing.
	held := errors.New("state lock held")
	out.Reset()
	if _, err := ListOutbox(context.Background(), outboxOpener{err: held}, &out); !errors.Is(err, held) || out.Len() > 0 {
		t.Errorf("ListOutbox without the state = %v, %q", err, &out)
	}
}

func TestDropOutbox(t *testing.T) {
	for _, tt := range []struct {
		name     string
		req      func(ids []string) DropRequest
		wantN    int
		wantErr  func(error) bool
		wantOut  string
		wantLeft int // files left in the outbox
	}{
		{"neither IDs nor --all", func([]string) DropRequest { return DropRequest{} },
			0, func(err error) bool { return errors.Is(err, ErrDropWhat) }, "", 3},
		{"both IDs and --all", func(ids []string) DropRequest { return DropRequest{IDs: ids[:1], All: true} },
			0, func(err error) bool { return errors.Is(err, ErrDropWhat) }, "", 3},
		{"one item and the corrupt file", func(ids []string) DropRequest { return DropRequest{IDs: []string{ids[1], "garbage"}} },
			2, func(err error) bool { return err == nil }, "Dropped 2 result(s).\n", 1},
		{"an unknown ID", func(ids []string) DropRequest { return DropRequest{IDs: []string{ids[0], "nope"}} },
			0, func(err error) bool { var nf *outbox.NotFoundError; return errors.As(err, &nf) && nf.IDs[0] == "nope" }, "", 2},
		{"a path is no ID", func([]string) DropRequest { return DropRequest{IDs: []string{"../outbox/garbage"}} },
			0, func(err error) bool { var nf *outbox.NotFoundError; return errors.As(err, &nf) }, "", 3},
		{"all", func([]string) DropRequest { return DropRequest{All: true} },
			3, func(err error) bool { return err == nil }, "Dropped 3 result(s).\n", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ob, ids := newOutbox(t)
			var out bytes.Buffer
			n, err := DropOutbox(context.Background(), outboxOpener{ob: ob}, &out, tt.req(ids))
			if n != tt.wantN || !tt.wantErr(err) || out.String() != tt.wantOut {
				t.Errorf("DropOutbox = %d, %v, %q; want %d, %q", n, err, &out, tt.wantN, tt.wantOut)
			}
			left, err := os.ReadDir(ob.Dir())
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != tt.wantLeft {
				t.Errorf("%d file(s) left in the outbox, want %d", len(left), tt.wantLeft)
			}
		})
	}
}
