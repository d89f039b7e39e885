// Package ccfpb is the Go code generated from argus's own description of the Compliance
// Framework plugin protocol (internal/ccfplugin/proto/*.proto): the proto.Runner service a plugin
// serves, the proto.ApiHelper service it calls back on the host, and their messages.
//
// The .proto files were written from the protocol's field tables, not copied from the agent
// (which is AGPL-3.0). Only the package, service, method and field names and numbers must match:
// they are what goes on the wire.
//
// Never edit the *.pb.go files by hand: change the .proto and run `go generate` here (protoc
// 3.21 from Debian's protobuf-compiler, protoc-gen-go and protoc-gen-go-grpc at the versions
// below). CI regenerates them and fails on a difference (.ci/steps/15-protogen.sh).
//
// It is not responsible for anything but the wire types: running plugins is package host,
// turning evidence into API JSON is package evidence.
package ccfpb

// protoc-gen-go v1.36.12, protoc-gen-go-grpc v1.6.2 (see .ci/steps/15-protogen.sh).
//go:generate protoc -I ../proto --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative ccf_types.proto ccf_results.proto ccf_runner.proto
