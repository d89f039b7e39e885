// Command gen writes the standalone, strict JSON schemas kubeconform needs for the kinds used
// under examples/kubernetes, from Kubernetes's own OpenAPI v2 document (api/openapi-spec/
// swagger.json in the k8s.io/kubernetes module), the way openapi2jsonschema's
// --expanded --kubernetes --stand-alone --strict output (kubernetes-json-schema) is made:
// every $ref inlined, additionalProperties: false on every object with properties, int-or-string
// and quantities accepting both forms, and apiVersion/kind pinned.
//
//	go run ./testdata/kubernetes-schemas/gen SWAGGER_JSON OUT_DIR
//
// See ../README.md for how CI fetches the swagger document.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kinds maps an OpenAPI definition to kubeconform's file name for it
// ({{ .ResourceKind }}{{ .KindSuffix }}.json).
var kinds = []struct{ def, file string }{
	{"io.k8s.api.batch.v1.CronJob", "cronjob-batch-v1.json"},
	{"io.k8s.api.core.v1.ConfigMap", "configmap-v1.json"},
	{"io.k8s.api.core.v1.Secret", "secret-v1.json"},
	{"io.k8s.api.core.v1.PersistentVolumeClaim", "persistentvolumeclaim-v1.json"},
	{"io.k8s.api.core.v1.ServiceAccount", "serviceaccount-v1.json"},
}

type schema = map[string]any

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen SWAGGER_JSON OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(swaggerPath, out string) error {
	b, err := os.ReadFile(swaggerPath)
	if err != nil {
		return fmt.Errorf("read swagger: %w", err)
	}
	var doc struct {
		Definitions map[string]schema `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("parse swagger %q: %w", swaggerPath, err)
	}
	for _, k := range kinds {
		def, ok := doc.Definitions[k.def]
		if !ok {
			return fmt.Errorf("definition %q not in %s", k.def, swaggerPath)
		}
		s := expand(doc.Definitions, def, map[string]bool{k.def: true}).(schema)
		if err := pinGVK(s, def); err != nil {
			return fmt.Errorf("%s: %w", k.def, err)
		}
		data, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, k.file), append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("write schema: %w", err)
		}
	}
	return nil
}

// expand returns v with every $ref inlined; seen holds the definitions on the current path, so
// that a recursive type becomes an open schema instead of an endless one.
func expand(defs map[string]schema, v any, seen map[string]bool) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = expand(defs, e, seen)
		}
		return out
	case schema:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/definitions/")
			switch {
			case name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
				return schema{"oneOf": []any{schema{"type": "string"}, schema{"type": "number"}}}
			case seen[name] || defs[name] == nil:
				return schema{}
			}
			seen[name] = true
			defer delete(seen, name)
			return expand(defs, defs[name], seen)
		}
		if v["format"] == "int-or-string" {
			return schema{"oneOf": []any{schema{"type": "string"}, schema{"type": "integer"}}}
		}
		out := schema{}
		for k, e := range v {
			// Descriptions make the files ten times larger and validate nothing.
			if k == "description" || strings.HasPrefix(k, "x-kubernetes-") {
				continue
			}
			if k == "properties" {
				props := schema{}
				for name, p := range e.(schema) {
					props[name] = expand(defs, p, seen)
				}
				out[k] = props
				continue
			}
			out[k] = expand(defs, e, seen)
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false // strict: unknown fields are errors
			}
		}
		return out
	}
	return v
}

// pinGVK restricts apiVersion and kind to the definition's group, version and kind.
func pinGVK(s, def schema) error {
	gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
	if len(gvks) != 1 {
		return fmt.Errorf("want one group-version-kind, have %d", len(gvks))
	}
	g := gvks[0].(schema)
	apiVersion := g["version"].(string)
	if group := g["group"].(string); group != "" {
		apiVersion = group + "/" + apiVersion
	}
	props := s["properties"].(schema)
	props["apiVersion"] = schema{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = schema{"type": "string", "enum": []any{g["kind"]}}
	s["required"] = append(toSlice(s["required"]), "apiVersion", "kind")
	return nil
}

func toSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
