package getter

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// FetchGit checks out one ref of a git repository into the directory dst, which must not exist
// yet, without its .git directory. repo must be an https:// URL (http:// only to a loopback
// host, for tests), as for Fetch; ref is a branch, a tag or a commit, or empty for the remote's
// default branch. On error dst is removed.
//
// It runs the git binary directly rather than go-getter's git getter, which cannot be held to
// argus's rules: that one follows submodules (to any URL and protocol), passes the whole
// environment and accepts ssh and scp-like addresses. Here git may speak only https (and http
// to loopback), never prompts, fetches one commit (depth 1) and no submodules.
func (g *Getter) FetchGit(ctx context.Context, repo, ref, dst string) (err error) {
	u, err := url.Parse(repo)
	if err != nil {
		return fmt.Errorf("git %q: not a URL: %w", repo, err)
	}
	if err := checkURL(u); err != nil {
		return fmt.Errorf("git: %w", err)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("git %s: the repository URL must not carry a query or fragment (name the ref separately)", redact(u))
	}
	if strings.HasPrefix(ref, "-") {
		return fmt.Errorf("git %s: ref %q is not a branch, tag or commit", redact(u), ref)
	}
	gitBin, err := exec.LookPath("git")
	if err != nil {
		return fmt.Errorf("git %s: the git program is needed for git:: addresses and is not on PATH: %w", redact(u), err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("git %s: destination %q already exists", redact(u), dst)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dst)
		}
	}()
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return fmt.Errorf("git %s: %w", redact(u), err)
	}

	httpAllow := "never"
	if u.Scheme == "http" { // checkURL allowed it: a loopback host
		httpAllow = "always"
	}
	// -c settings apply to this command only: every protocol but https (and loopback http) is
	// refused, also for redirects; no credential prompt on a terminal.
	base := []string{
		"-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "protocol.http.allow=" + httpAllow,
		"-c", "http.followRedirects=initial", "-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false",
		// A transfer below one byte a second for the idle timeout is a stalled server.
		"-c", "http.lowSpeedLimit=1", "-c", fmt.Sprintf("http.lowSpeedTime=%d", max(int(g.idle/time.Second), 1)),
		"-C", dst,
	}
	env := gitEnv()
	run := func(what string, args ...string) error {
		cmd := exec.CommandContext(ctx, gitBin, append(base, args...)...) //nolint:gosec // G204: running git is the point; the URL passed checkURL and the -c settings above hold it to https
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("git %s: %s: %w", redact(u), what, ctx.Err())
			}
			return fmt.Errorf("git %s: %s: %w: %s", redact(u), what, err, strings.TrimSpace(tail(out.String(), 2000)))
		}
		return nil
	}
	want := ref
	if want == "" {
		want = "HEAD"
	}
	if err := run("init", "init", "-q"); err != nil {
		return err
	}
	// fetch by name works for branches, tags and (where the server allows it, as the large
	// hosts do) commit IDs, and brings one commit, not the history.
	if err := run("fetch "+want, "fetch", "-q", "--depth", "1", "--no-tags", "--no-recurse-submodules", "--", u.String(), want); err != nil {
		return err
	}
	if err := run("checkout "+want, "checkout", "-q", "--detach", "FETCH_HEAD"); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(dst, ".git")); err != nil {
		return fmt.Errorf("git %s: remove .git: %w", redact(u), err)
	}
	return nil
}

// gitEnv is the environment git runs with: the process's, minus what would make git prompt or
// read configuration beyond the user's own, plus no terminal prompts.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_PARAMETERS", "GIT_ALLOW_PROTOCOL", "GIT_ASKPASS", "SSH_ASKPASS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_TERMINAL_PROMPT=0", "GIT_PROTOCOL_FROM_USER=0")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
