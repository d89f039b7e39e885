package schedule

import (
	"fmt"
	"strconv"
	"strings"
)

// The environment variables --shard auto reads. Kubernetes sets JOB_COMPLETION_INDEX in every
// container of an Indexed Job's pods (zero-based); GitLab sets CI_NODE_INDEX (1-based, only
// for jobs with `parallel:`) and CI_NODE_TOTAL (1 when the job is not parallel).
const (
	EnvCompletionIndex = "JOB_COMPLETION_INDEX"
	EnvGitLabIndex     = "CI_NODE_INDEX"
	EnvGitLabTotal     = "CI_NODE_TOTAL"
)

// ShardAuto is the --shard value that reads the shard from the environment.
const ShardAuto = "auto"

// maxShards bounds the number of shards: far more than any fleet or CI matrix needs (GitLab
// allows 200 parallel jobs, Kubernetes 100000 completions), small enough that a typo such as a
// timestamp in the wrong variable is an error rather than a shard that holds nothing.
const maxShards = 100000

// ResolveShard works out this invocation's shard from the --shard value spec and --shard-total
// total (0 when not given). getenv reads the environment (os.LookupEnv in the binary); it is only
// consulted for spec "auto", so that nothing but an explicit request makes the environment
// decide which jobs run. The forms:
//
//   - "" (with no total): no sharding, every job.
//   - "I/N": part I of N, 1-based (1 <= I <= N). A total, if also given, must be N.
//   - "K" with total N: zero-based completion index, 0 <= K < N, as Kubernetes expands
//     $(JOB_COMPLETION_INDEX) in a container's args. It is part K+1 of N.
//   - "auto": JOB_COMPLETION_INDEX (zero-based) with total N from --shard-total (Kubernetes
//     does not expose the Job's completions to the pod), or else GitLab's CI_NODE_INDEX and
//     CI_NODE_TOTAL (1-based); a GitLab job without `parallel:` (CI_NODE_TOTAL=1 and no
//     CI_NODE_INDEX) is shard 1/1, every job.
//
// Every other value, and every inconsistent combination, is an error saying what to write.
func ResolveShard(spec string, total int, getenv func(string) (string, bool)) (Shard, error) {
	spec = strings.TrimSpace(spec)
	if total < 0 || total > maxShards {
		return Shard{}, fmt.Errorf("--shard-total %d: want a number of shards from 1 to %d", total, maxShards)
	}
	switch {
	case spec == "":
		if total > 0 {
			return Shard{}, fmt.Errorf("--shard-total %d needs --shard: give --shard auto (reads %s) or the zero-based completion index, e.g. --shard 0", total, EnvCompletionIndex)
		}
		return Shard{}, nil
	case spec == ShardAuto:
		return autoShard(total, getenv)
	case strings.Contains(spec, "/"):
		s, err := ParseShard(spec)
		if err != nil {
			return Shard{}, err
		}
		if total > 0 && total != s.Count {
			return Shard{}, fmt.Errorf("shard %q with --shard-total %d: the totals disagree; drop --shard-total or make them equal", spec, total)
		}
		return s, nil
	}
	k, err := count(spec)
	if err != nil {
		return Shard{}, fmt.Errorf("shard %q: want I/N (1-based, e.g. 2/4), auto, or a zero-based completion index with --shard-total N", spec)
	}
	if total == 0 {
		return Shard{}, fmt.Errorf("shard %q: a bare number is a zero-based completion index (a Kubernetes Indexed Job's $(%s)) and needs --shard-total N, the Job's completions; or write I/N (1-based)", spec, EnvCompletionIndex)
	}
	return zeroBased(fmt.Sprintf("shard %q", spec), k, total)
}

func autoShard(total int, getenv func(string) (string, bool)) (Shard, error) {
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	k8s, inK8s := lookup(getenv, EnvCompletionIndex)
	glIndex, inGitLab := lookup(getenv, EnvGitLabIndex)
	glTotal, hasGLTotal := lookup(getenv, EnvGitLabTotal)
	switch {
	case inK8s && inGitLab:
		return Shard{}, fmt.Errorf("--shard auto: both %s (Kubernetes) and %s (GitLab) are set, so the shard is ambiguous: unset one, or give --shard I/N", EnvCompletionIndex, EnvGitLabIndex)
	case inK8s:
		k, err := count(k8s)
		if err != nil {
			return Shard{}, fmt.Errorf("--shard auto: %s=%q is not a completion index (a number from 0)", EnvCompletionIndex, k8s)
		}
		if total == 0 {
			return Shard{}, fmt.Errorf("--shard auto: %s=%s is set but the number of shards is not: give --shard-total N (or ARGUS_SHARD_TOTAL), the Indexed Job's completions", EnvCompletionIndex, k8s)
		}
		return zeroBased(fmt.Sprintf("--shard auto: %s=%s", EnvCompletionIndex, k8s), k, total)
	case inGitLab:
		if !hasGLTotal {
			return Shard{}, fmt.Errorf("--shard auto: %s=%s is set but %s is not: set both, or give --shard I/N", EnvGitLabIndex, glIndex, EnvGitLabTotal)
		}
		i, err1 := count(glIndex)
		n, err2 := count(glTotal)
		if err1 != nil || err2 != nil || n < 1 || n > maxShards || i < 1 || i > n {
			return Shard{}, fmt.Errorf("--shard auto: %s=%q and %s=%q: want 1 <= %s <= %s <= %d", EnvGitLabIndex, glIndex, EnvGitLabTotal, glTotal, EnvGitLabIndex, EnvGitLabTotal, maxShards)
		}
		if total > 0 && total != n {
			return Shard{}, fmt.Errorf("--shard auto: %s=%d but --shard-total is %d: drop --shard-total or make them equal", EnvGitLabTotal, n, total)
		}
		return Shard{Index: i, Count: n}, nil
	case hasGLTotal:
		// GitLab sets CI_NODE_TOTAL=1 and no CI_NODE_INDEX for a job without `parallel:`.
		if n, err := count(glTotal); err != nil || n != 1 {
			return Shard{}, fmt.Errorf("--shard auto: %s=%q is set but %s is not: set both, or give --shard I/N", EnvGitLabTotal, glTotal, EnvGitLabIndex)
		}
		if total > 1 {
			return Shard{}, fmt.Errorf("--shard auto: %s=1 (the GitLab job is not parallel) but --shard-total is %d: add `parallel: %d` to the job or drop --shard-total", EnvGitLabTotal, total, total)
		}
		return Shard{Index: 1, Count: 1}, nil
	}
	return Shard{}, fmt.Errorf("--shard auto: neither %s (a Kubernetes Indexed Job) nor %s/%s (a GitLab job with parallel:) is set: run it there, or give --shard I/N", EnvCompletionIndex, EnvGitLabIndex, EnvGitLabTotal)
}

// zeroBased turns completion index k of total shards into a Shard.
func zeroBased(what string, k, total int) (Shard, error) {
	if k >= total {
		return Shard{}, fmt.Errorf("%s: a completion index must be below the number of shards, --shard-total %d (indexes run from 0 to %d)", what, total, total-1)
	}
	return Shard{Index: k + 1, Count: total}, nil
}

// lookup reads name, treating an empty value as unset: a CI variable that is declared but
// empty has no shard to give.
func lookup(getenv func(string) (string, bool), name string) (string, bool) {
	v, ok := getenv(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// count parses a non-negative decimal number: digits only, so "+1", "-0", "1e3" and "0x2" are
// refused rather than read as something the user did not write.
func count(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxShards {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return n, nil
}
