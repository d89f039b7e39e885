// Package ccfjob is the assess side of a Compliance Framework plugin job: it verifies the
// plugin and the job's policy bundles against the lock before anything runs (no download),
// prepares the job's working directory so that the plugin gets the policy paths exactly as
// the CCF agent forms them, runs the job through the go-plugin host under the job's timeout
// with the sanitized environment, and turns what the plugin sent into argus results and
// outbox documents (evidence in the plugin's own streams, protocol-2 template batches).
//
// Policy paths and the working directory (ccf-plugins.md §1.6; the path string is part of
// every stream UUID): the agent passes paths relative to its working directory,
//
//   - an OCI bundle: .compliance-framework/policies/<repository without host>/<tag>/policies
//     (a digest-only reference, which the agent refuses, uses the digest in place of the tag;
//     an oci-layout:// reference uses the layout directory's base name as the repository);
//   - a local directory D: D/policies when that is a directory (joined as the agent joins it,
//     with filepath.Join, so "./D" becomes "D/policies"), else D as written;
//   - a local file (a .tar.gz bundle): the path as written.
//
// argus gives each job run a fresh working directory inside the cache (so that hard links
// work) and fills exactly those relative paths with hard links to the verified,
// content-addressed cache entries (copies where a hard link is impossible): real directories
// and files, because OPA's loader walks a directory and does not follow a symbolic link at
// the root of a bundle path. A relative local source that climbs out with "../" gets a working
// directory nested deep enough for its path to land inside the run's directory. An absolute
// local source is passed as written, after its tree is checked against the lock's hash. The
// directory is removed when the job ends.
//
// It is not responsible for installing anything (internal/install), for the plugin protocol
// (internal/ccfplugin/host), for the evidence conversion (internal/ccfplugin/evidence), for
// scheduling or parallelism (internal/assess), or for delivery (the outbox).
package ccfjob
