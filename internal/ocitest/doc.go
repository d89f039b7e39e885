// Package ocitest runs a real OCI registry for tests, Debian's docker-registry (the CNCF
// distribution server), on a free loopback port with its storage in t.TempDir(), and pushes
// artifacts in exactly the layouts the Compliance Framework's gooci pushes (an OCI image index
// with platform descriptors and annotations; Docker schema 2 or OCI child manifests; one
// tar+gzip layer with absolute member names, no directory entries and mode 0600), to the
// registry or to a local OCI layout directory, plus the hostile variants internal/oci must
// refuse (traversal, links, oversized layers, a blob altered in storage, a moved tag).
//
// When the docker-registry binary is missing, Start installs it with apt-get if the test runs
// as root and fails with instructions otherwise: it never skips.
//
// It is test tooling only: nothing outside _test.go files should import it.
package ocitest
