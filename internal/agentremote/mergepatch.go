package agentremote

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MergePatch applies an RFC 7396 JSON merge patch to target and returns the result. A patch
// that is not an object replaces the target whole; inside an object, null deletes a member and
// an object merges recursively. Either document may be empty, which reads as null.
func MergePatch(target, patch []byte) ([]byte, error) {
	t, err := decode(target)
	if err != nil {
		return nil, fmt.Errorf("merge patch: target: %w", err)
	}
	p, err := decode(patch)
	if err != nil {
		return nil, fmt.Errorf("merge patch: patch: %w", err)
	}
	out, err := json.Marshal(mergeValue(t, p))
	if err != nil {
		return nil, fmt.Errorf("merge patch: encode result: %w", err)
	}
	return out, nil
}

// mergeValue is the RFC's MergePatch(Target, Patch) on decoded values.
func mergeValue(target, patch any) any {
	po, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	to, ok := target.(map[string]any)
	if !ok {
		to = map[string]any{}
	} else {
		to = shallowCopy(to)
	}
	for k, v := range po {
		if v == nil {
			delete(to, k)
			continue
		}
		to[k] = mergeValue(to[k], v)
	}
	return to
}

func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decode reads one JSON value with numbers kept exact; empty input is null. Trailing data
// after the value is an error, so a document is never silently cut.
func decode(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}
