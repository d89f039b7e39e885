package agentremote

import (
	"reflect"
	"testing"
)

func TestMergePatch(t *testing.T) {
	tests := []struct {
		name, target, patch, want string
	}{
		// RFC 7396, Appendix A, in order.
		{"A1 replace member", `{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{"A2 add member", `{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{"A3 delete member", `{"a":"b"}`, `{"a":null}`, `{}`},
		{"A4 delete one of two", `{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{"A5 array replaced by string", `{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{"A6 string replaced by array", `{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{"A7 nested merge and delete", `{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{"A8 arrays are replaced whole", `{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{"A9 array patch replaces array", `["a","b"]`, `["c","d"]`, `["c","d"]`},
		{"A10 array patch replaces object", `{"a":"b"}`, `["c"]`, `["c"]`},
		{"A11 null patch replaces", `{"a":"foo"}`, `null`, `null`},
		{"A12 string patch replaces", `{"a":"foo"}`, `"bar"`, `"bar"`},
		{"A13 target null member kept", `{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{"A14 object patch over array", `[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{"A15 nulls in a new object vanish", `{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		// RFC 7396, section 3.
		{"section 3 example",
			`{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
			`{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}`,
			`{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}`},
		// argus's own cases.
		{"empty patch is null", `{"a":1}`, ``, `null`},
		{"empty target", ``, `{"a":{"b":null,"c":1}}`, `{"a":{"c":1}}`},
		{"large integers stay exact", `{"n":1}`, `{"n":9007199254740993}`, `{"n":9007199254740993}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergePatch([]byte(tt.target), []byte(tt.patch))
			if err != nil {
				t.Fatal(err)
			}
			g, _ := decode(got)
			w, _ := decode([]byte(tt.want))
			if !reflect.DeepEqual(g, w) {
				t.Errorf("MergePatch(%s, %s) = %s, want %s", tt.target, tt.patch, got, tt.want)
			}
		})
	}
}

func TestMergePatchErrors(t *testing.T) {
	for _, tt := range []struct{ target, patch string }{
		{`{"a":`, `{}`},
		{`{}`, `{"a":1} {"b":2}`},
		{`{}`, `nope`},
	} {
		if _, err := MergePatch([]byte(tt.target), []byte(tt.patch)); err == nil {
			t.Errorf("MergePatch(%q, %q): no error", tt.target, tt.patch)
		}
	}
}

func TestMergeDoesNotTouchTarget(t *testing.T) {
	base := Document{Plugins: map[string]*Plugin{"a": {Source: "s", Labels: map[string]string{"x": "1"}}}}
	if _, err := Merge(base, []byte(`{"plugins":{"a":{"labels":{"x":"2"}}}}`)); err != nil {
		t.Fatal(err)
	}
	if base.Plugins["a"].Labels["x"] != "1" {
		t.Fatal("Merge changed its base")
	}
}
