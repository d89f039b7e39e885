package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// maxFileFunctionSize bounds what file() reads, so that file("/dev/zero") or a stray
// multi-gigabyte file fails with a message instead of exhausting memory.
const maxFileFunctionSize = 4 << 20

// envFunction is env(name): the value of an environment variable, or "" when it is unset.
// Unset is not an error so that optional settings (client_id = env("ARGUS_CLIENT_ID")) read
// naturally. When forJob is set, ARGUS_* variables are refused: they hold argus's own
// settings and control-plane credentials, which must never reach a provider through a
// job's config.
func envFunction(lookup func(string) (string, bool), forJob bool) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable, or an empty string when it is unset.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if forJob && isArgusVariable(name) {
				return cty.NilVal, function.NewArgErrorf(0,
					"%s is one of argus's own variables (ARGUS_*), which may hold control-plane credentials; a job cannot read it. Use a variable of another name", name)
			}
			v, _ := lookup(name)
			return cty.StringVal(v), nil
		},
	})
}

// fileFunction is file(path): the contents of a UTF-8 text file. A relative path is relative
// to dir, the directory of the file that calls file(), not to the working directory, so a
// configuration means the same wherever argus runs.
func fileFunction(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a text file; a relative path is relative to the configuration file's directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if p == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the path is empty; give a file path relative to %s or an absolute one", dir)
			}
			full := p
			if !filepath.IsAbs(full) {
				full = filepath.Join(dir, p)
			}
			data, err := readLimited(full, maxFileFunctionSize)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "%v (relative paths are relative to the directory of the configuration file, %s)", err, dir)
			}
			if !utf8.Valid(data) {
				return cty.NilVal, function.NewArgErrorf(0, "%s is not valid UTF-8 text; file() reads text files only", full)
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: file() reads what the operator's configuration names, resolved against its directory
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no file %s", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read-only
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB, the limit of file()", path, limit>>20)
	}
	return data, nil
}

// hostnameFunction is hostname(): the name of the machine argus runs on.
func hostnameFunction(hostname func() (string, error)) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the host name of the machine argus runs on.",
		Type:        function.StaticReturnType(cty.String),
		Impl: func(_ []cty.Value, _ cty.Type) (cty.Value, error) {
			h, err := hostname()
			if err != nil {
				return cty.NilVal, fmt.Errorf("determine the host name: %w", err)
			}
			return cty.StringVal(h), nil
		},
	})
}

// isArgusVariable reports whether name is one of argus's own environment variables. The
// comparison ignores case because Windows environment names do.
func isArgusVariable(name string) bool {
	return strings.HasPrefix(strings.ToUpper(name), "ARGUS_")
}
