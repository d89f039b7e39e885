package builtin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"

	"github.com/compliance-framework/argus/sdk"
)

// defaultMaxContent bounds how much of a file contains/not_contains search: the regexps run on
// memory, and a compliance check has no business loading a multi-gigabyte log.
const defaultMaxContent = 64 << 20

// FileOptions are the optional settings of builtin/file; a nil *FileOptions means defaults.
type FileOptions struct {
	// MaxContentBytes bounds how much of the file contains and not_contains search (default
	// 64 MiB). sha256 always hashes the whole file, which needs no memory.
	MaxContentBytes int
}

// NewFile returns the builtin/file handler: one result about one path's existence, permission
// bits, ownership and content. It needs no privileges beyond reading what it checks.
func NewFile(opts *FileOptions) sdk.Handler {
	p := fileProvider{maxContent: defaultMaxContent}
	if opts != nil && opts.MaxContentBytes > 0 {
		p.maxContent = opts.MaxContentBytes
	}
	return p.handle
}

type fileProvider struct {
	maxContent int
}

var fileKeys = []string{"path", "exists", "optional", "mode", "max_mode", "owner", "group", "sha256", "contains", "not_contains"}

// fileConfig is builtin/file's config. Optional checks are pointers (or raw JSON for the modes)
// so that "not set" differs from "set to the zero value".
type fileConfig struct {
	Path        string          `json:"path"`
	Exists      *bool           `json:"exists"`
	Optional    *bool           `json:"optional"`
	Mode        json.RawMessage `json:"mode"`
	MaxMode     json.RawMessage `json:"max_mode"`
	Owner       *string         `json:"owner"`
	Group       *string         `json:"group"`
	SHA256      *string         `json:"sha256"`
	Contains    *string         `json:"contains"`
	NotContains *string         `json:"not_contains"`
}

// fileChecks is a validated fileConfig.
type fileChecks struct {
	path        string
	exists      bool
	optional    bool // an absent path is a skip, not a failure
	mode        *uint32
	maxMode     *uint32
	owner       *string
	group       *string
	sha256      string // lower-case hex, "" when not checked
	contains    *regexp.Regexp
	notContains *regexp.Regexp
}

func (c fileChecks) needContent() bool {
	return c.sha256 != "" || c.contains != nil || c.notContains != nil
}

func parseFileConfig(req sdk.Request) (fileChecks, error) {
	var cfg fileConfig
	if err := decodeConfig(req, &cfg, fileKeys); err != nil {
		return fileChecks{path: cfg.Path}, err
	}
	c := fileChecks{path: cfg.Path, exists: true, owner: cfg.Owner, group: cfg.Group}
	var errs []error
	if strings.TrimSpace(cfg.Path) == "" {
		errs = append(errs, errors.New(`path is required: set config = { path = "/etc/passwd", ... }`))
	}
	if cfg.Exists != nil {
		c.exists = *cfg.Exists
	}
	if cfg.Optional != nil {
		c.optional = *cfg.Optional
		if c.optional && !c.exists {
			errs = append(errs, errors.New("optional = true skips the job when the path is absent, which exists = false wants: remove one of them"))
		}
	}
	var err error
	if c.mode, err = parseModeKey("mode", cfg.Mode); err != nil {
		errs = append(errs, err)
	}
	if c.maxMode, err = parseModeKey("max_mode", cfg.MaxMode); err != nil {
		errs = append(errs, err)
	}
	if cfg.Owner != nil && strings.TrimSpace(*cfg.Owner) == "" {
		errs = append(errs, errors.New("owner is empty: name a user (or a numeric uid), or remove the key"))
	}
	if cfg.Group != nil && strings.TrimSpace(*cfg.Group) == "" {
		errs = append(errs, errors.New("group is empty: name a group (or a numeric gid), or remove the key"))
	}
	if cfg.SHA256 != nil {
		sum := strings.ToLower(strings.TrimSpace(*cfg.SHA256))
		if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
			errs = append(errs, fmt.Errorf("sha256 %q is not a SHA-256 digest: want 64 hex digits, as printed by sha256sum", *cfg.SHA256))
		}
		c.sha256 = sum
	}
	if c.contains, err = compileRegexp("contains", cfg.Contains); err != nil {
		errs = append(errs, err)
	}
	if c.notContains, err = compileRegexp("not_contains", cfg.NotContains); err != nil {
		errs = append(errs, err)
	}
	if !c.exists {
		var set []string
		for _, k := range []struct {
			name string
			set  bool
		}{
			{"mode", cfg.Mode != nil}, {"max_mode", cfg.MaxMode != nil}, {"owner", cfg.Owner != nil},
			{"group", cfg.Group != nil}, {"sha256", cfg.SHA256 != nil}, {"contains", cfg.Contains != nil},
			{"not_contains", cfg.NotContains != nil},
		} {
			if k.set {
				set = append(set, k.name)
			}
		}
		if len(set) > 0 {
			errs = append(errs, fmt.Errorf("exists = false checks that the path is absent, so %s cannot also be checked: remove %s or exists", strings.Join(set, ", "), plural(len(set), "it", "them")))
		}
	}
	return c, joinErrors(errs)
}

// parseModeKey parses a mode given as a quoted octal string ("0644", "644", "4755").
func parseModeKey(key string, raw json.RawMessage) (*uint32, error) {
	if raw == nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf(`%s must be a quoted octal string like "0644", not %s (HCL has no octal numbers: an unquoted 0644 is the decimal 644)`, key, raw)
	}
	t := strings.TrimPrefix(strings.TrimSpace(s), "0o")
	if len(t) < 3 || len(t) > 4 {
		return nil, fmt.Errorf(`%s %q is not an octal mode: want 3 or 4 octal digits like "0644" or "4755"`, key, s)
	}
	m, err := strconv.ParseUint(t, 8, 32)
	if err != nil {
		return nil, fmt.Errorf(`%s %q is not an octal mode: want 3 or 4 octal digits like "0644" or "4755"`, key, s)
	}
	v := uint32(m)
	return &v, nil
}

func (p fileProvider) handle(ctx context.Context, req sdk.Request) (sdk.Response, error) {
	c, err := parseFileConfig(req)
	title := "file " + c.path
	if strings.TrimSpace(c.path) == "" {
		title = "file (no path configured)"
	}
	if err != nil {
		return configError(req, FileName, title, err), nil
	}
	// The title keeps the path as written; the checks and the evidence use it resolved against
	// the configuration's directory, since the provider's working directory is an empty one.
	c.path = req.Resolve(c.path)
	var v verdict
	ev := map[string]any{"path": c.path}
	p.check(ctx, c, &v, ev)
	obs := sdk.Observation{Title: "file " + c.path, Description: "What stat and a read of the path showed.", Evidence: ev}
	return sdk.Response{Results: []sdk.Result{v.result(req, title, c.describe(), obs)}}, nil
}

func (c fileChecks) describe() string {
	if !c.exists {
		return "Checks that the path does not exist."
	}
	want := []string{"exists"}
	if c.mode != nil {
		want = append(want, fmt.Sprintf("mode %04o", *c.mode))
	}
	if c.maxMode != nil {
		want = append(want, fmt.Sprintf("mode at most %04o", *c.maxMode))
	}
	if c.owner != nil {
		want = append(want, fmt.Sprintf("owner %q", *c.owner))
	}
	if c.group != nil {
		want = append(want, fmt.Sprintf("group %q", *c.group))
	}
	if c.sha256 != "" {
		want = append(want, "sha256 "+c.sha256)
	}
	if c.contains != nil {
		want = append(want, fmt.Sprintf("content matches %q", c.contains))
	}
	if c.notContains != nil {
		want = append(want, fmt.Sprintf("content does not match %q", c.notContains))
	}
	return "Checks that the path " + strings.Join(want, ", ") + "."
}

func (p fileProvider) check(ctx context.Context, c fileChecks, v *verdict, ev map[string]any) {
	// Lstat only to say in the evidence that the path is a symlink: the checks follow it, as
	// every program opening the path does.
	if lfi, err := os.Lstat(c.path); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		ev["symlink"] = true
		if target, err := os.Readlink(c.path); err == nil {
			ev["symlink_target"] = target
		}
	}
	fi, err := os.Stat(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ev["exists"] = false
		note := ""
		if ev["symlink"] == true {
			note = " (it is a symlink whose target does not exist)"
		}
		switch {
		case c.exists && c.optional:
			v.skip("path does not exist%s; it is optional, so nothing else was checked", note)
		case c.exists:
			v.fail("path does not exist%s", note)
		default:
			v.pass("path does not exist%s", note)
		}
		return
	case err != nil:
		v.unchecked("stat %q: %v", c.path, err)
		return
	}
	ev["exists"] = true
	ev["type"] = fileType(fi.Mode())
	ev["size"] = fi.Size()
	mode := unixMode(fi.Mode())
	ev["mode"] = fmt.Sprintf("%04o", mode)
	if !c.exists {
		v.fail("path exists (%s), want it absent", fileType(fi.Mode()))
		return
	}
	v.pass("path exists")

	if c.mode != nil {
		if mode == *c.mode {
			v.pass("mode is %04o", mode)
		} else {
			v.fail("mode is %04o, want %04o", mode, *c.mode)
		}
	}
	if c.maxMode != nil {
		if extra := mode &^ *c.maxMode; extra == 0 {
			v.pass("mode %04o is at most %04o", mode, *c.maxMode)
		} else {
			v.fail("mode is %04o, want at most %04o (extra bits %04o)", mode, *c.maxMode, extra)
		}
	}
	c.checkOwnership(fi, v, ev)
	if c.needContent() {
		p.checkContent(ctx, c, fi, v, ev)
	}
}

func (c fileChecks) checkOwnership(fi fs.FileInfo, v *verdict, ev map[string]any) {
	uid, gid, ok := fileOwner(fi)
	if !ok {
		if c.owner != nil || c.group != nil {
			v.unchecked("owner and group are not available from stat on this platform")
		}
		return
	}
	owner := userName(uid)
	group := groupName(gid)
	ev["owner"], ev["uid"] = owner, uid
	ev["group"], ev["gid"] = group, gid
	if c.owner != nil {
		if want := *c.owner; want == owner || want == strconv.FormatUint(uint64(uid), 10) {
			v.pass("owner is %q", want)
		} else {
			v.fail("owner is %q (uid %d), want %q", owner, uid, want)
		}
	}
	if c.group != nil {
		if want := *c.group; want == group || want == strconv.FormatUint(uint64(gid), 10) {
			v.pass("group is %q", want)
		} else {
			v.fail("group is %q (gid %d), want %q", group, gid, want)
		}
	}
}

// userName resolves uid to a user name, falling back to the number (a file may be owned by a
// uid that has no passwd entry, which is itself worth seeing in the evidence).
func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return id
}

func groupName(gid uint32) string {
	id := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(id); err == nil {
		return g.Name
	}
	return id
}

func (p fileProvider) checkContent(ctx context.Context, c fileChecks, fi fs.FileInfo, v *verdict, ev map[string]any) {
	if !fi.Mode().IsRegular() {
		// Reading a FIFO would block and a device may never end: only regular files have content.
		v.unchecked("sha256/contains/not_contains need a regular file, and the path is a %s", fileType(fi.Mode()))
		return
	}
	f, err := os.Open(c.path)
	if err != nil {
		v.unchecked("open %q to read its content: %v", c.path, err)
		return
	}
	defer func() { _ = f.Close() }() // read-only

	var r io.Reader = ctxReader{ctx, f}
	if c.sha256 == "" {
		// Without a digest to compute, one byte past the bound is enough to know it was cut.
		r = io.LimitReader(r, int64(p.maxContent)+1)
	}
	h := sha256.New()
	content := &cappedBuffer{max: p.maxContent}
	if _, err := io.Copy(io.MultiWriter(h, content), r); err != nil {
		v.unchecked("read %q: %v", c.path, err)
		return
	}
	if c.sha256 != "" {
		sum := hex.EncodeToString(h.Sum(nil))
		ev["sha256"] = sum
		if sum == c.sha256 {
			v.pass("sha256 is %s", sum)
		} else {
			v.fail("sha256 is %s, want %s", sum, c.sha256)
		}
	}
	if c.contains == nil && c.notContains == nil {
		return
	}
	if content.truncated() {
		ev["content_truncated"] = fmt.Sprintf("only the first %d bytes were searched", p.maxContent)
	}
	if c.contains != nil {
		if m := matchCheck(v, "content", "contains", c.contains, true, content.buf, content.truncated()); m != "" {
			ev["contains_match"] = m
		}
	}
	if c.notContains != nil {
		if m := matchCheck(v, "content", "not_contains", c.notContains, false, content.buf, content.truncated()); m != "" {
			ev["not_contains_match"] = m
		}
	}
}

// unixMode returns the permission bits of m as the octal number chmod takes, including setuid,
// setgid and sticky (which io/fs keeps outside Perm).
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}

// ctxReader stops a long read (hashing a huge file) when the job's deadline passes.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("stopped reading: %w", err)
	}
	return c.r.Read(p)
}
