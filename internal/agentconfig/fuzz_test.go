package agentconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzConvert feeds arbitrary bytes to Convert as an agent config. Whatever the input, it
// never panics; it either returns an *Error whose every problem has a line, or HCL that
// parses, fits the CCF shape, names only valid argus names, and does not hold the client
// secret. Seeds: testdata/*.yaml, plus testdata/fuzz/FuzzConvert.
func FuzzConvert(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(api + "plugins:\n  \"a\\nb\": {source: x/y:v1, config: {\"k\\n\": \"${x}\"}, labels: {_x: y}}\n"))
	f.Add([]byte(api + "plugins:\n  p: {source: x/y:v1, schedule: 'TZ=UTC @every 1ms', policy_data: {a: [1, {b: ~}]}}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Convert("config.yaml", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("error is not a non-empty *Error: %v", err)
			}
			for _, p := range e.Problems {
				if p.Line < 1 {
					t.Fatalf("problem without a line: %+v", p)
				}
			}
			return
		}
		parseHCL(t, string(out))
		if secret := clientSecret(src); len(secret) >= 8 && strings.Contains(string(out), secret) {
			t.Fatalf("the output holds the client secret %q:\n%s", secret, out)
		}
	})
}

// clientSecret is api.auth.client_secret of src as the YAML library reads it, or "".
func clientSecret(src []byte) string {
	var doc struct {
		API struct {
			Auth struct {
				Secret any `yaml:"client_secret"`
			} `yaml:"auth"`
		} `yaml:"api"`
	}
	if yaml.Unmarshal(src, &doc) != nil {
		return ""
	}
	s, _ := doc.API.Auth.Secret.(string)
	return strings.TrimSpace(s)
}
