package agentconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing in the agent's file that cannot be converted.
type Problem struct {
	Line, Column int    // 1-based; Column is 0 when only the line is known
	Key          string // the dotted path of the key, like "plugins.ssh.schedule"; "" at the top
	Message      string // what is wrong and what to do
}

// Error is every problem found in one file, in file order.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	if len(e.Problems) > 1 {
		lines = append(lines, fmt.Sprintf("cannot convert %s: %d problems", e.File, len(e.Problems)))
	}
	for _, p := range e.Problems {
		loc := fmt.Sprintf("%s:%d", e.File, p.Line)
		if p.Column > 0 {
			loc += fmt.Sprintf(":%d", p.Column)
		}
		msg := p.Message
		if p.Key != "" {
			msg = p.Key + ": " + msg
		}
		lines = append(lines, loc+": "+msg)
	}
	return strings.Join(lines, "\n")
}

// Limits on what the reader walks, so that a hostile file (deep nesting, an alias expanded
// many times over) costs bounded time and memory.
const (
	maxDepth = 64
	maxNodes = 100_000
)

// reader walks the YAML node tree, collecting problems instead of stopping at the first.
type reader struct {
	problems []Problem
	nodes    int
}

func (r *reader) errorf(n *yaml.Node, key, format string, args ...any) {
	p := Problem{Key: key, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	if p.Line == 0 {
		p.Line = 1
	}
	r.problems = append(r.problems, p)
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
}

// entry is one key of a mapping, after merge keys are applied.
type entry struct {
	key   string // lower-cased, as the agent's loader sees it
	raw   string // as written
	keyN  *yaml.Node
	value *yaml.Node
}

// entries returns the keys of a mapping node in file order, lower-cased as viper lower-cases
// them, with YAML merge keys (<<) applied: an explicit key wins over a merged one. Duplicate
// keys (also those that differ only in case) are problems.
func (r *reader) entries(n *yaml.Node, path string) []entry {
	var explicit, merged []entry
	r.collect(n, path, &explicit, &merged, 0)
	out := make([]entry, 0, len(explicit)+len(merged))
	seen := map[string]entry{}
	for _, e := range explicit {
		if prev, dup := seen[e.key]; dup {
			what := fmt.Sprintf("the key %q is already set", e.raw)
			if prev.raw != e.raw {
				what = fmt.Sprintf("the key %q is the same as %q (the agent ignores the case of keys)", e.raw, prev.raw)
			}
			r.errorf(e.keyN, join(path, e.key), "%s at line %d; the agent would keep only one of them. Remove one.", what, prev.keyN.Line)
			continue
		}
		seen[e.key] = e
		out = append(out, e)
	}
	for _, e := range merged {
		if _, dup := seen[e.key]; dup {
			continue
		}
		seen[e.key] = e
		out = append(out, e)
	}
	return out
}

func (r *reader) collect(n *yaml.Node, path string, explicit, merged *[]entry, depth int) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > maxDepth {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if r.count() {
			return
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			r.merge(v, path, merged, depth)
			continue
		}
		rk := resolve(k)
		if rk == nil || rk.Kind != yaml.ScalarNode {
			r.errorf(k, path, "a key is a list or a mapping; the agent's keys are names. Write the key as a plain name.")
			continue
		}
		raw := rk.Value
		// The agent's loader flattens nested mappings into dotted paths, but not inside lists.
		if strings.Contains(raw, ".") && !strings.Contains(path, "[") {
			r.errorf(k, join(path, strings.ToLower(raw)),
				"the key %q holds a '.', which the agent's configuration loader splits into nested keys, so the agent never saw it as written. Rename it without '.'.", raw)
			continue
		}
		*explicit = append(*explicit, entry{key: strings.ToLower(raw), raw: raw, keyN: k, value: v})
	}
}

func (r *reader) merge(v *yaml.Node, path string, merged *[]entry, depth int) {
	v = resolve(v)
	if v == nil {
		return
	}
	switch v.Kind {
	case yaml.MappingNode:
		var inner []entry
		r.collect(v, path, &inner, &inner, depth+1)
		*merged = append(*merged, inner...)
	case yaml.SequenceNode:
		for _, m := range v.Content {
			r.merge(m, path, merged, depth+1)
		}
	default:
		r.errorf(v, path, "a merge key (<<) must name a mapping or a list of mappings.")
	}
}

// count reports whether the walk has visited too many nodes (an alias bomb).
func (r *reader) count() bool {
	r.nodes++
	return r.nodes > maxNodes
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isNull reports whether n is absent or a YAML null (~, null, or nothing).
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// scalar decodes a scalar node to the Go value the agent's YAML library gives it: string,
// int, int64, uint64, float64, bool or nil.
func (r *reader) scalar(n *yaml.Node, path string) (any, bool) {
	n = resolve(n)
	if n == nil {
		return nil, true
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, path, "expected a single value, but this is a %s.", kindName(n))
		return nil, false
	}
	var v any
	if err := n.Decode(&v); err != nil {
		r.errorf(n, path, "cannot read this value: %v.", err)
		return nil, false
	}
	return v, true
}

// weakString is the string the agent's loader (mapstructure with weak typing) makes of a
// scalar that goes into a string field: numbers in base 10, true as "1" and false as "0",
// null as "".
func weakString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// str reads a value the agent decodes into a string field.
func (r *reader) str(n *yaml.Node, path string) (string, bool) {
	v, ok := r.scalar(n, path)
	if !ok {
		return "", false
	}
	return weakString(v), true
}

// strList reads a value the agent decodes into a list of strings: a sequence of scalars, or
// one scalar that the agent's loader lifts into a list of one.
func (r *reader) strList(n *yaml.Node, path string) ([]string, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind == yaml.ScalarNode {
		s, ok := r.str(n, path)
		return []string{s}, ok
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, path, "expected a list of strings, but this is a %s.", kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	good := true
	for i, e := range n.Content {
		s, ok := r.str(e, fmt.Sprintf("%s[%d]", path, i))
		good = good && ok
		out = append(out, s)
	}
	return out, good
}

// kv is one entry of a string map, with where it was written.
type kv struct {
	key, raw, value string
	line            int
	fromBool        bool // YAML true/false, which the agent sent as "1"/"0"
	null            bool // a null value, which the agent's loader drops with its key
}

// strMap reads a value the agent decodes into map[string]string.
func (r *reader) strMap(n *yaml.Node, path string) ([]kv, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		return nil, true // mapstructure turns an empty list into an empty map
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, path, "expected a mapping of names to values, but this is a %s.", kindName(n))
		return nil, false
	}
	good := true
	var out []kv
	for _, e := range r.entries(n, path) {
		v, ok := r.scalar(e.value, join(path, e.key))
		if !ok {
			good = false
			continue
		}
		_, isBool := v.(bool)
		out = append(out, kv{key: e.key, raw: e.raw, value: weakString(v), line: e.keyN.Line, fromBool: isBool, null: v == nil})
	}
	return out, good
}

// tree is a YAML value as the agent hands it to a plugin's policy data: nil, bool, string,
// int/int64/uint64/float64, []any, or *object.
type object struct {
	entries []objEntry
	dropped []string // keys of nulls and empty mappings the agent dropped
}

type objEntry struct {
	key   string
	value any
}

// value reads any YAML value into a tree, lower-casing mapping keys as the agent does.
func (r *reader) value(n *yaml.Node, path string, depth int) (any, bool) {
	n = resolve(n)
	if n == nil {
		return nil, true
	}
	if depth > maxDepth {
		r.errorf(n, path, "the value is nested more than %d levels deep. Flatten it.", maxDepth)
		return nil, false
	}
	if r.count() {
		r.errorf(n, path, "the file expands to more than %d values (aliases repeated many times?). Write the values out.", maxNodes)
		return nil, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return r.scalar(n, path)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			v, ok := r.value(e, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case yaml.MappingNode:
		obj := &object{}
		flattened := !strings.Contains(path, "[")
		for _, e := range r.entries(n, path) {
			v, ok := r.value(e.value, join(path, e.key), depth+1)
			if !ok {
				return nil, false
			}
			// The agent's loader flattens mappings (outside lists) into dotted keys and
			// rebuilds them from the keys that hold a value: a null, or a mapping with
			// nothing in it, is dropped with its key, so the plugin never saw it.
			if o, isObj := v.(*object); flattened && (v == nil || isObj && len(o.entries) == 0) {
				obj.dropped = append(obj.dropped, e.key)
				continue
			}
			obj.entries = append(obj.entries, objEntry{key: e.key, value: v})
		}
		sort.SliceStable(obj.entries, func(i, j int) bool { return obj.entries[i].key < obj.entries[j].key })
		return obj, true
	}
	r.errorf(n, path, "cannot read this %s.", kindName(n))
	return nil, false
}

func kindName(n *yaml.Node) string {
	switch resolve(n).Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	}
	return "YAML node"
}

// known checks the keys of a mapping against the agent's, reporting each unknown one.
func (r *reader) known(es []entry, path string, keys ...string) []entry {
	out := es[:0:0]
	for _, e := range es {
		if contains(keys, e.key) {
			out = append(out, e)
			continue
		}
		where := "at the top of the file"
		if path != "" {
			where = "in " + path
		}
		r.errorf(e.keyN, join(path, e.key),
			"unknown key %q: the agent ignores it silently, so it has never had an effect (a typo?). The keys %s are %s. Fix or remove it.",
			e.raw, where, strings.Join(keys, ", "))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
