// Package config loads argus's HCL configuration: one file, or a directory of *.argus.hcl
// files. It decodes every block into the types of types.go, evaluates the functions env(),
// file() and hostname(), and checks everything that can be checked without the network or
// the file system beyond the configuration itself, reporting every problem of a load at once
// as hcl.Diagnostics with file:line:col.
//
// Layout: loader.go drives a load (the file schema, duplicate checks, cross-file references);
// each block kind has its schema beside its decoder in argus.go, control_plane.go,
// registry.go, provider.go, job.go, report.go and waiver.go (which also reads --waivers files,
// holding waiver blocks only); eval.go evaluates attributes, numbers.go
// guards against huge numbers, diagnostics.go builds and points diagnostics, names.go holds
// the name, host and URL rules (and Suggest, the did-you-mean), functions.go the HCL functions,
// parse.go parses a large file a few blocks at a time.
//
// It is not responsible for fetching remote configuration (go-getter addresses), for job
// specs served by the control plane, for resolving or installing providers (it only checks
// that a source and version constraint are well formed, and does not look at local provider
// paths), or for deciding which jobs are due (package schedule).
package config
