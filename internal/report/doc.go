// Package report renders the record of one argus run ([result.Run]) for the people and tools
// that read it: files in the formats of `--report FORMAT=PATH` (argus's own JSON, OSCAL 1.1.3
// assessment-results, SARIF 2.1.0, JUnit XML, GitLab Code Quality, Markdown), the terminal view (one line per result
// and a tally), and GitHub Actions output (masks, annotations, a step summary).
//
// Every rendering is deterministic for a given run: jobs are sorted by name, results by title,
// maps by key, and the UUIDs the formats need are derived from a hash of stable inputs (run ID,
// job name, subject, result title), so that two renderings of one run are byte-identical and
// golden files work. Secret values given in [Options.Secrets] are replaced by "***" everywhere
// before anything is rendered.
//
// The package is not responsible for running jobs, deciding the exit code, delivering results
// to the control plane or deciding whether colour or GitHub mode is wanted: the caller decides
// and says so through the fields of [Terminal], [GitHub] and [Options].
package report
