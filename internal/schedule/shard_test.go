package schedule

import (
	"fmt"
	"strings"
	"testing"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestResolveShard(t *testing.T) {
	k8s := func(i string) func(string) (string, bool) { return env(EnvCompletionIndex, i) }
	gitlab := func(i, n string) func(string) (string, bool) { return env(EnvGitLabIndex, i, EnvGitLabTotal, n) }
	tests := []struct {
		name    string
		spec    string
		total   int
		getenv  func(string) (string, bool)
		want    Shard
		wantErr string // substring; "" means success
	}{
		// No sharding.
		{name: "none", want: Shard{}},
		{name: "none ignores the environment", getenv: k8s("2"), want: Shard{}},
		{name: "total without shard", total: 4, wantErr: "--shard-total 4 needs --shard"},
		{name: "negative total", spec: "auto", total: -1, wantErr: "--shard-total -1"},
		{name: "huge total", spec: "0", total: maxShards + 1, wantErr: "from 1 to 100000"},

		// I/N, 1-based, as before.
		{name: "I/N", spec: "2/4", want: Shard{2, 4}},
		{name: "I/N with spaces", spec: " 1 / 3 ", want: Shard{1, 3}},
		{name: "I/N equal total", spec: "2/4", total: 4, want: Shard{2, 4}},
		{name: "I/N other total", spec: "2/4", total: 3, wantErr: "the totals disagree"},
		{name: "I/N zero", spec: "0/4", wantErr: "want I/N with 1 <= I <= N"},
		{name: "I/N past end", spec: "5/4", wantErr: "want I/N with 1 <= I <= N"},
		{name: "I/N garbage", spec: "a/b", wantErr: "want I/N"},

		// A bare completion index (Kubernetes expanding $(JOB_COMPLETION_INDEX) in args).
		{name: "index 0", spec: "0", total: 4, want: Shard{1, 4}},
		{name: "index last", spec: "3", total: 4, want: Shard{4, 4}},
		{name: "index == total", spec: "4", total: 4, wantErr: "indexes run from 0 to 3"},
		{name: "index without total", spec: "3", wantErr: "needs --shard-total N"},
		{name: "index negative", spec: "-1", total: 4, wantErr: "want I/N (1-based, e.g. 2/4), auto, or a zero-based"},
		{name: "index signed", spec: "+1", total: 4, wantErr: "want I/N"},
		{name: "index hex", spec: "0x1", total: 4, wantErr: "want I/N"},
		{name: "index unexpanded", spec: "$(JOB_COMPLETION_INDEX)", total: 4, wantErr: "want I/N"},
		{name: "word", spec: "all", wantErr: "want I/N"},
		{name: "auto is lower case", spec: "AUTO", getenv: k8s("0"), total: 2, wantErr: "want I/N"},

		// auto under Kubernetes.
		{name: "auto k8s", spec: "auto", total: 4, getenv: k8s("0"), want: Shard{1, 4}},
		{name: "auto k8s last", spec: "auto", total: 4, getenv: k8s("3"), want: Shard{4, 4}},
		{name: "auto k8s single", spec: "auto", total: 1, getenv: k8s("0"), want: Shard{1, 1}},
		{name: "auto k8s without total", spec: "auto", getenv: k8s("1"), wantErr: "give --shard-total N (or ARGUS_SHARD_TOTAL)"},
		{name: "auto k8s index too big", spec: "auto", total: 4, getenv: k8s("4"), wantErr: "JOB_COMPLETION_INDEX=4: a completion index must be below the number of shards, --shard-total 4"},
		{name: "auto k8s not a number", spec: "auto", total: 4, getenv: k8s("one"), wantErr: `JOB_COMPLETION_INDEX="one" is not a completion index`},
		{name: "auto k8s negative", spec: "auto", total: 4, getenv: k8s("-1"), wantErr: `JOB_COMPLETION_INDEX="-1" is not`},
		{name: "auto k8s overflow", spec: "auto", total: 4, getenv: k8s("99999999999999999999"), wantErr: "is not a completion index"},

		// auto under GitLab.
		{name: "auto gitlab", spec: "auto", getenv: gitlab("1", "3"), want: Shard{1, 3}},
		{name: "auto gitlab last", spec: "auto", getenv: gitlab("3", "3"), want: Shard{3, 3}},
		{name: "auto gitlab equal total", spec: "auto", total: 3, getenv: gitlab("2", "3"), want: Shard{2, 3}},
		{name: "auto gitlab other total", spec: "auto", total: 4, getenv: gitlab("2", "3"), wantErr: "CI_NODE_TOTAL=3 but --shard-total is 4"},
		{name: "auto gitlab index 0", spec: "auto", getenv: gitlab("0", "3"), wantErr: "want 1 <= CI_NODE_INDEX <= CI_NODE_TOTAL"},
		{name: "auto gitlab index past total", spec: "auto", getenv: gitlab("4", "3"), wantErr: `CI_NODE_INDEX="4" and CI_NODE_TOTAL="3"`},
		{name: "auto gitlab garbage", spec: "auto", getenv: gitlab("x", "3"), wantErr: "want 1 <= CI_NODE_INDEX"},
		{name: "auto gitlab index without total", spec: "auto", getenv: env(EnvGitLabIndex, "2"), wantErr: "CI_NODE_INDEX=2 is set but CI_NODE_TOTAL is not"},
		{name: "auto gitlab not parallel", spec: "auto", getenv: env(EnvGitLabTotal, "1"), want: Shard{1, 1}},
		{name: "auto gitlab not parallel but total", spec: "auto", total: 4, getenv: env(EnvGitLabTotal, "1"), wantErr: "add `parallel: 4`"},
		{name: "auto gitlab total without index", spec: "auto", getenv: env(EnvGitLabTotal, "3"), wantErr: `CI_NODE_TOTAL="3" is set but CI_NODE_INDEX is not`},

		// auto where neither, or both, apply.
		{name: "auto nowhere", spec: "auto", wantErr: "neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor CI_NODE_INDEX/CI_NODE_TOTAL"},
		{name: "auto nil getenv", spec: "auto", total: 2, getenv: nil, wantErr: "neither"},
		{name: "auto empty values are unset", spec: "auto", total: 2, getenv: env(EnvCompletionIndex, " ", EnvGitLabIndex, ""), wantErr: "neither"},
		{name: "auto both", spec: "auto", total: 3, getenv: env(EnvCompletionIndex, "0", EnvGitLabIndex, "1", EnvGitLabTotal, "3"), wantErr: "the shard is ambiguous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveShard(tt.spec, tt.total, tt.getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveShard(%q, %d) = %v, %v; want an error containing %q", tt.spec, tt.total, got, err, tt.wantErr)
				}
				if got != (Shard{}) {
					t.Errorf("on error ResolveShard returned %v, want the zero Shard", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveShard(%q, %d) = %v, %v; want %v", tt.spec, tt.total, got, err, tt.want)
			}
		})
	}
}

// A Kubernetes completion index K and the 1-based I/N form name the same shard, so the same job
// lands in the same pod whichever form a manifest uses.
func TestCompletionIndexMatchesOneBased(t *testing.T) {
	const n = 5
	for k := range n {
		byIndex, err := ResolveShard("auto", n, env(EnvCompletionIndex, string(rune('0'+k))))
		if err != nil {
			t.Fatal(err)
		}
		byGitLab, err := ResolveShard("auto", 0, env(EnvGitLabIndex, string(rune('1'+k)), EnvGitLabTotal, "5"))
		if err != nil {
			t.Fatal(err)
		}
		spec := fmt.Sprintf("%d/%d", k+1, n)
		oneBased, err := ParseShard(spec)
		if err != nil || oneBased != byIndex || byGitLab != byIndex {
			t.Errorf("index %d: auto(k8s)=%v auto(gitlab)=%v parse(%q)=%v, %v", k, byIndex, byGitLab, spec, oneBased, err)
		}
		for _, job := range []string{"a", "ssh-root-login", "tls-min-version", "etc-passwd-perms"} {
			if byIndex.Contains(job) != (Shard{Index: k + 1, Count: n}).Contains(job) {
				t.Errorf("index %d and shard %d/%d disagree on %q", k, k+1, n, job)
			}
		}
	}
}
