package runner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHeadTail(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		writes []string
		want   string
	}{
		{"empty", 8, nil, ""},
		{"fits in head", 8, []string{"abc"}, "abc"},
		{"fits exactly", 8, []string{"abcd", "efgh"}, "abcdefgh"},
		{"one big write", 8, []string{"0123456789abcdef"}, "0123\n... 8 bytes omitted ...\ncdef"},
		{"byte by byte", 8, strings.Split("0123456789abcdef", ""), "0123\n... 8 bytes omitted ...\ncdef"},
		{"ring wraps mid-write", 8, []string{"0123", "45", "678", "9ab"}, "0123\n... 4 bytes omitted ...\n89ab"},
		{"one byte over", 8, []string{"012345678"}, "0123\n... 1 bytes omitted ...\n5678"},
		{"invalid UTF-8 is replaced", 8, []string{"ab\xffcd"}, "ab\uFFFDcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHeadTail(tt.limit)
			total := 0
			for _, w := range tt.writes {
				n, err := h.Write([]byte(w))
				if err != nil || n != len(w) {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
				total += n
			}
			if got := h.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if h.total != int64(total) {
				t.Errorf("total = %d, want %d", h.total, total)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	long := "panic: boom\n" + strings.Repeat("frame\n", 100) + "last words\n"
	got := excerpt(long, 64)
	if !strings.HasPrefix(got, "panic: boom\n") || !strings.HasSuffix(got, "last words\n") || !strings.Contains(got, "bytes omitted") {
		t.Errorf("excerpt lost the head, the tail or the marker: %q", got)
	}
	if len(got) > 64+40 {
		t.Errorf("excerpt is %d bytes, want about 64", len(got))
	}
	if short := "short\n"; excerpt(short, 64) != short {
		t.Errorf("excerpt changed a short string")
	}
}

func TestLastLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"one", "one"},
		{"first\nsecond", "second"},
		{"first\n  second  ", "second"},
		{strings.Repeat("x", 400), strings.Repeat("x", 300) + "…"},
	}
	for _, tt := range tests {
		if got := lastLine(tt.in); got != tt.want {
			t.Errorf("lastLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestProviderEnv(t *testing.T) {
	tests := []struct {
		name  string
		base  []string
		allow []string
		want  []string
	}{
		{
			name: "empty base",
			want: []string{"ARGUS_PROTOCOL=1"},
		},
		{
			name: "only the fixed variables pass by default",
			base: []string{"PATH=/bin", "HOME=/h", "TMPDIR=/t", "LANG=C", "USER=me", "SSH_AUTH_SOCK=/s"},
			want: []string{"PATH=/bin", "HOME=/h", "TMPDIR=/t", "LANG=C", "ARGUS_PROTOCOL=1"},
		},
		{
			name:  "allowed variables pass in order, once, when set",
			base:  []string{"B=2", "A=1", "EMPTY="},
			allow: []string{"A", "B", "A", "UNSET", "EMPTY"},
			want:  []string{"A=1", "B=2", "EMPTY=", "ARGUS_PROTOCOL=1"},
		},
		{
			name:  "last definition wins",
			base:  []string{"A=1", "A=2"},
			allow: []string{"A"},
			want:  []string{"A=2", "ARGUS_PROTOCOL=1"},
		},
		{
			name:  "argus's own variables never pass, even when allowed",
			base:  []string{"ARGUS_CLIENT_SECRET=s", "ARGUS_CLIENT_ID=i", "ARGUS_PROTOCOL=9", "Argus_Log_Level=debug"},
			allow: []string{"ARGUS_CLIENT_SECRET", "ARGUS_CLIENT_ID", "ARGUS_PROTOCOL", "Argus_Log_Level"},
			want:  []string{"ARGUS_PROTOCOL=1"},
		},
		{
			name:  "malformed names are ignored",
			base:  []string{"=x", "noequals", "A=B=C"},
			allow: []string{"", "A=B", "noequals", "A"},
			want:  []string{"A=B=C", "ARGUS_PROTOCOL=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, providerEnv(tt.base, tt.allow)); diff != "" {
				t.Errorf("providerEnv (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{16 << 20, "16 MiB"}, {64 << 10, "64 KiB"}, {1 << 30, "1 GiB"}, {1000, "1000 bytes"}, {(1 << 20) + 1, "1048577 bytes"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.n); got != tt.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
