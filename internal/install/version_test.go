package install

import (
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	idx := &Index{Versions: map[string]IndexVersion{
		"1.3.0": {}, "1.4.0": {}, "1.4.1": {Yanked: "CVE-1"}, "1.5.0-beta1": {}, "2.0.0": {}, "not-a-version": {},
	}}
	tests := []struct {
		constraint, want, wantErr string
	}{
		{constraint: ">= 1.0.0, < 2.0.0", want: "1.4.0"},
		{constraint: "~> 1.3", want: "1.4.0"},
		{constraint: "~> 1.3.0", want: "1.3.0"},
		{constraint: ">= 1.0.0", want: "2.0.0"},
		{constraint: "1.5.0-beta1", want: "1.5.0-beta1"},
		{constraint: "= 1.5.0-beta1", want: "1.5.0-beta1"},
		{constraint: "= 1.4.1", wantErr: "yanked: CVE-1"},
		{constraint: ">= 3.0.0", wantErr: "no version satisfies"},
		{constraint: "~> 1", wantErr: `write "~> 1.0"`},
		{constraint: ">= 1.0, ~> 2", wantErr: "allows any later major version"},
		{constraint: "", wantErr: "empty"},
		{constraint: "banana", wantErr: "banana"},
	}
	for _, tt := range tests {
		t.Run(tt.constraint, func(t *testing.T) {
			got, err := choose(idx, tt.constraint)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("choose = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("choose = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseAddress(t *testing.T) {
	for _, s := range []string{"a.example/ns/name", "localhost:8443/ns/my-name"} {
		if _, err := ParseAddress(s); err != nil {
			t.Errorf("ParseAddress(%q): %v", s, err)
		}
	}
	for _, s := range []string{"ns/name", "a/b/c/d", "h/../x", "h/ns/..", "h/ns/na me", "h/.x/y", "ht!p/ns/x"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("ParseAddress(%q) succeeded", s)
		}
	}
}

func TestParseSums(t *testing.T) {
	good := "0000000000000000000000000000000000000000000000000000000000000000  a.zip\n" +
		"1111111111111111111111111111111111111111111111111111111111111111 *b.zip\n"
	sums, err := parseSums([]byte(good))
	if err != nil || len(sums) != 2 || sums["b.zip"] != "zh:1111111111111111111111111111111111111111111111111111111111111111" {
		t.Fatalf("parseSums = %v, %v", sums, err)
	}
	for _, bad := range []string{"xyz  a.zip\n", "00  a.zip\n", good + good} {
		if _, err := parseSums([]byte(bad)); err == nil {
			t.Errorf("parseSums(%q) succeeded", bad)
		}
	}
}
