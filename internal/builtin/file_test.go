package builtin

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/compliance-framework/argus/sdk"
)

const sshdConfig = "# sshd\nPermitRootLogin no\nPasswordAuthentication no\n"

// fileFixture creates the files the table cases check, with the modes they need (set with chmod
// after creation, so the umask does not matter).
func fileFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("sshd_config", sshdConfig, 0o644)
	write("open", "anything", 0o666)
	write("suid", "#!/bin/sh\n", 0o4755|os.ModeSetuid)
	write("big", "aaaaaaaaaaaaaaaaaaaaaaaa needle", 0o644) // needle after byte 16
	write("secret", "x", 0o000)
	if err := os.Chmod(filepath.Join(dir, "suid"), 0o755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sshd_config", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFile(t *testing.T) {
	dir := fileFixture(t)
	p := func(name string) string { return filepath.Join(dir, name) }

	me, err := user.Current()
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	uid := os.Geteuid()
	gid := os.Getegid()
	groupName := strconv.Itoa(gid)
	if g, err := user.LookupGroupId(groupName); err == nil {
		groupName = g.Name
	}
	sum := sha256.Sum256([]byte(sshdConfig))
	goodSum := hex.EncodeToString(sum[:])
	bigSum := sha256.Sum256([]byte("aaaaaaaaaaaaaaaaaaaaaaaa needle"))
	wrongSum := "0000000000000000000000000000000000000000000000000000000000000000"

	tests := []struct {
		name string
		cfg  any
		opts *FileOptions
		want check
	}{
		// exists
		{"exists", map[string]any{"path": p("sshd_config")}, nil, check{status: sdk.StatusPass, title: "file " + p("sshd_config"), reason: []string{"path exists"},
			evidence: map[string]any{"exists": true, "type": "regular file", "mode": "0644", "size": len(sshdConfig)}, noEvidence: []string{"sha256", "symlink"}}},
		{"missing", map[string]any{"path": p("nope")}, nil, check{status: sdk.StatusFail, reason: []string{"path does not exist"}, evidence: map[string]any{"exists": false}}},
		{"absent as wanted", map[string]any{"path": p("nope"), "exists": false}, nil, check{status: sdk.StatusPass, reason: []string{"path does not exist"}}},
		{"optional and absent", map[string]any{"path": p("nope"), "optional": true, "max_mode": "0600"}, nil, check{status: sdk.StatusSkip, reason: []string{"path does not exist; it is optional, so nothing else was checked"}}},
		{"optional and present is checked", map[string]any{"path": p("open"), "optional": true, "max_mode": "0644"}, nil, check{status: sdk.StatusFail, reason: []string{"mode is 0666, want at most 0644"}}},
		{"optional with exists false", map[string]any{"path": p("nope"), "optional": true, "exists": false}, nil, check{status: sdk.StatusError, reason: []string{"optional = true skips the job when the path is absent"}}},
		{"present but want absent", map[string]any{"path": p("sshd_config"), "exists": false}, nil, check{status: sdk.StatusFail, reason: []string{"path exists (regular file), want it absent"}}},
		{"dangling symlink", map[string]any{"path": p("dangling")}, nil, check{status: sdk.StatusFail, reason: []string{"symlink whose target does not exist"},
			evidence: map[string]any{"symlink": true, "symlink_target": "nowhere", "exists": false}}},
		{"symlink followed", map[string]any{"path": p("link"), "mode": "0644"}, nil, check{status: sdk.StatusPass,
			evidence: map[string]any{"symlink": true, "symlink_target": "sshd_config", "type": "regular file", "mode": "0644"}}},

		// mode
		{"mode holds", map[string]any{"path": p("sshd_config"), "mode": "0644"}, nil, check{status: sdk.StatusPass, reason: []string{"mode is 0644"}}},
		{"mode three digits", map[string]any{"path": p("sshd_config"), "mode": "644"}, nil, check{status: sdk.StatusPass}},
		{"mode differs", map[string]any{"path": p("open"), "mode": "0644"}, nil, check{status: sdk.StatusFail, reason: []string{"mode is 0666, want 0644"}}},
		{"mode with setuid holds", map[string]any{"path": p("suid"), "mode": "4755"}, nil, check{status: sdk.StatusPass, evidence: map[string]any{"mode": "4755"}}},
		{"mode misses setuid", map[string]any{"path": p("suid"), "mode": "0755"}, nil, check{status: sdk.StatusFail, reason: []string{"mode is 4755, want 0755"}}},
		{"mode of a directory", map[string]any{"path": p("dir"), "mode": "0755"}, nil, check{status: sdk.StatusPass, evidence: map[string]any{"type": "directory"}}},

		// max_mode
		{"max_mode holds exactly", map[string]any{"path": p("sshd_config"), "max_mode": "0644"}, nil, check{status: sdk.StatusPass, reason: []string{"mode 0644 is at most 0644"}}},
		{"max_mode holds below", map[string]any{"path": p("sshd_config"), "max_mode": "0664"}, nil, check{status: sdk.StatusPass}},
		{"max_mode exceeded", map[string]any{"path": p("open"), "max_mode": "0644"}, nil, check{status: sdk.StatusFail, reason: []string{"mode is 0666, want at most 0644 (extra bits 0022)"}}},
		{"max_mode setuid exceeded", map[string]any{"path": p("suid"), "max_mode": "0755"}, nil, check{status: sdk.StatusFail, reason: []string{"extra bits 4000"}}},

		// owner and group
		{"owner by name", map[string]any{"path": p("sshd_config"), "owner": me.Username}, nil, check{status: sdk.StatusPass,
			evidence: map[string]any{"owner": me.Username, "uid": uid, "group": groupName, "gid": gid}}},
		{"owner by uid", map[string]any{"path": p("sshd_config"), "owner": strconv.Itoa(uid)}, nil, check{status: sdk.StatusPass}},
		{"owner differs", map[string]any{"path": p("sshd_config"), "owner": "argus-no-such-user"}, nil, check{status: sdk.StatusFail,
			reason: []string{`owner is "` + me.Username + `" (uid ` + strconv.Itoa(uid) + `), want "argus-no-such-user"`}}},
		{"group by name", map[string]any{"path": p("sshd_config"), "group": groupName}, nil, check{status: sdk.StatusPass}},
		{"group by gid", map[string]any{"path": p("sshd_config"), "group": strconv.Itoa(gid)}, nil, check{status: sdk.StatusPass}},
		{"group differs", map[string]any{"path": p("sshd_config"), "group": "argus-no-such-group"}, nil, check{status: sdk.StatusFail,
			reason: []string{`group is "` + groupName + `"`, `want "argus-no-such-group"`}}},

		// content
		{"sha256 holds", map[string]any{"path": p("sshd_config"), "sha256": goodSum}, nil, check{status: sdk.StatusPass, evidence: map[string]any{"sha256": goodSum}}},
		{"sha256 upper case", map[string]any{"path": p("sshd_config"), "sha256": hexUpper(goodSum)}, nil, check{status: sdk.StatusPass}},
		{"sha256 differs", map[string]any{"path": p("sshd_config"), "sha256": wrongSum}, nil, check{status: sdk.StatusFail, reason: []string{"sha256 is " + goodSum + ", want " + wrongSum}}},
		{"contains holds", map[string]any{"path": p("sshd_config"), "contains": "(?m)^PermitRootLogin no$"}, nil, check{status: sdk.StatusPass,
			evidence: map[string]any{"contains_match": "PermitRootLogin no"}}},
		{"contains misses", map[string]any{"path": p("sshd_config"), "contains": "(?m)^PermitRootLogin yes$"}, nil, check{status: sdk.StatusFail,
			reason: []string{`content does not match contains "(?m)^PermitRootLogin yes$"`}}},
		{"not_contains holds", map[string]any{"path": p("sshd_config"), "not_contains": "(?m)^PermitRootLogin yes"}, nil, check{status: sdk.StatusPass, noEvidence: []string{"not_contains_match"}}},
		{"not_contains matches", map[string]any{"path": p("sshd_config"), "not_contains": "Password\\w+"}, nil, check{status: sdk.StatusFail,
			reason: []string{`content matches not_contains "Password\\w+" (found "PasswordAuthentication")`}, evidence: map[string]any{"not_contains_match": "PasswordAuthentication"}}},
		{"content of a directory", map[string]any{"path": p("dir"), "sha256": goodSum}, nil, check{status: sdk.StatusError, reason: []string{"need a regular file, and the path is a directory"}}},

		// content beyond the read bound
		{"contains found before the bound", map[string]any{"path": p("big"), "contains": "a+"}, &FileOptions{MaxContentBytes: 16}, check{status: sdk.StatusPass,
			evidence: map[string]any{"content_truncated": "only the first 16 bytes were searched"}}},
		{"contains not found before the bound", map[string]any{"path": p("big"), "contains": "needle"}, &FileOptions{MaxContentBytes: 16}, check{status: sdk.StatusError,
			reason: []string{`could not check: contains "needle": no match in the first 16 bytes of content and the rest was not read`}}},
		{"not_contains not found before the bound", map[string]any{"path": p("big"), "not_contains": "needle"}, &FileOptions{MaxContentBytes: 16}, check{status: sdk.StatusError,
			reason: []string{"no match in the first 16 bytes"}}},
		{"not_contains found before the bound", map[string]any{"path": p("big"), "not_contains": "aaa"}, &FileOptions{MaxContentBytes: 16}, check{status: sdk.StatusFail}},
		{"sha256 hashes past the bound", map[string]any{"path": p("big"), "sha256": hex.EncodeToString(bigSum[:])}, &FileOptions{MaxContentBytes: 16}, check{status: sdk.StatusPass,
			noEvidence: []string{"content_truncated"}}},
		{"whole file under the default bound", map[string]any{"path": p("big"), "contains": "needle"}, nil, check{status: sdk.StatusPass, noEvidence: []string{"content_truncated"}}},

		// every failed check is named, and a failure wins over an unperformed check
		{"several failures", map[string]any{"path": p("open"), "mode": "0644", "max_mode": "0600", "owner": "argus-no-such-user", "contains": "nothing"}, nil, check{status: sdk.StatusFail,
			reason: []string{"mode is 0666, want 0644; mode is 0666, want at most 0600 (extra bits 0066); owner is ", `content does not match contains "nothing"`}}},
		{"failure wins over error", map[string]any{"path": p("dir"), "mode": "0700", "contains": "x"}, nil, check{status: sdk.StatusFail,
			reason: []string{"mode is 0755, want 0700; could not check: sha256/contains/not_contains need a regular file"}}},

		// misconfiguration: a result with status error that says what to fix
		{"no path", map[string]any{"mode": "0644"}, nil, check{status: sdk.StatusError, title: "file (no path configured)", reason: []string{`invalid config for builtin/file in job "test": path is required`}}},
		{"empty config", "null", nil, check{status: sdk.StatusError, reason: []string{"path is required"}}},
		{"config not an object", `["/etc/passwd"]`, nil, check{status: sdk.StatusError, reason: []string{"decode job config"}}},
		{"unknown key", map[string]any{"path": "/x", "permissions": "0644"}, nil, check{status: sdk.StatusError, title: "file /x",
			reason: []string{`unknown field "permissions"`, "valid keys: path, exists, optional, mode, max_mode"}}},
		{"mode as a number", `{"path": "/x", "mode": 644}`, nil, check{status: sdk.StatusError, reason: []string{`mode must be a quoted octal string like "0644", not 644`}}},
		{"mode not octal", map[string]any{"path": "/x", "mode": "rw-r--r--"}, nil, check{status: sdk.StatusError, reason: []string{`mode "rw-r--r--" is not an octal mode`}}},
		{"mode too long", map[string]any{"path": "/x", "mode": "00644"}, nil, check{status: sdk.StatusError, reason: []string{`mode "00644" is not an octal mode`}}},
		{"max_mode with an 8", map[string]any{"path": "/x", "max_mode": "0680"}, nil, check{status: sdk.StatusError, reason: []string{`max_mode "0680" is not an octal mode`}}},
		{"empty owner", map[string]any{"path": "/x", "owner": ""}, nil, check{status: sdk.StatusError, reason: []string{"owner is empty"}}},
		{"empty group", map[string]any{"path": "/x", "group": " "}, nil, check{status: sdk.StatusError, reason: []string{"group is empty"}}},
		{"sha256 too short", map[string]any{"path": "/x", "sha256": "abc"}, nil, check{status: sdk.StatusError, reason: []string{`sha256 "abc" is not a SHA-256 digest`}}},
		{"bad contains", map[string]any{"path": "/x", "contains": "("}, nil, check{status: sdk.StatusError, reason: []string{"contains is not a valid regular expression"}}},
		{"bad not_contains", map[string]any{"path": "/x", "not_contains": "[a-"}, nil, check{status: sdk.StatusError, reason: []string{"not_contains is not a valid regular expression"}}},
		{"absent with other checks", map[string]any{"path": "/x", "exists": false, "mode": "0644", "owner": "root"}, nil, check{status: sdk.StatusError,
			reason: []string{"exists = false checks that the path is absent, so mode, owner cannot also be checked: remove them or exists"}}},
		{"every problem at once", map[string]any{"mode": "x", "contains": "("}, nil, check{status: sdk.StatusError,
			reason: []string{"path is required: ", `; mode "x" is not an octal mode`, "; contains is not a valid"}}},
	}
	if os.Geteuid() != 0 {
		// root reads a mode 000 file, so this case only exists for other users.
		tests = append(tests, struct {
			name string
			cfg  any
			opts *FileOptions
			want check
		}{"unreadable", map[string]any{"path": p("secret"), "sha256": goodSum}, nil, check{status: sdk.StatusError, reason: []string{"could not check: open"}}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runOne(t, t.Context(), NewFile(tc.opts), request(t, tc.cfg, nil))
			tc.want.verify(t, res)
		})
	}
}

func TestFileControls(t *testing.T) {
	dir := fileFixture(t)
	for _, cfg := range []any{
		map[string]any{"path": filepath.Join(dir, "sshd_config")}, // pass
		map[string]any{"path": filepath.Join(dir, "nope")},        // fail
		map[string]any{"mode": "0644"},                            // misconfigured
	} {
		res := runOne(t, t.Context(), NewFile(nil), request(t, cfg, map[string]string{"control": "ac-6, ac-3"}))
		if len(res.Controls) != 2 || res.Controls[0] != "ac-6" || res.Controls[1] != "ac-3" {
			t.Errorf("%v: controls = %q, want [ac-6 ac-3]", cfg, res.Controls)
		}
	}
}

func hexUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
