package state

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One control plane is one URL however many slashes end it; only trailing ones go.
func TestNormalURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://ccf.example.com":       "https://ccf.example.com",
		"https://ccf.example.com/":      "https://ccf.example.com",
		"https://ccf.example.com///":    "https://ccf.example.com",
		"https://ccf.example.com/api/":  "https://ccf.example.com/api",
		"https://ccf.example.com/a//b/": "https://ccf.example.com/a//b",
		"":                              "",
	} {
		if got := NormalURL(in); got != want {
			t.Errorf("NormalURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Open fails with what it was doing when the directory cannot be made or the state file
// cannot be read, and the lock is released so that a fixed directory opens at once.
func TestOpenCannotCreateOrRead(t *testing.T) {
	t.Run("directory under a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "plain")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(t.Context(), filepath.Join(file, "state"), 0, "test")
		if err == nil || !strings.Contains(err.Error(), `create state directory "`+filepath.Join(file, "state")+`"`) {
			t.Fatalf("Open = %v, want a create-state-directory error naming the directory", err)
		}
	})
	t.Run("state file is a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, StateFile), 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := Open(t.Context(), dir, 0, "test")
		var fe *FileError
		if err == nil || !strings.Contains(err.Error(), "read state file") || errors.As(err, &fe) {
			t.Fatalf("Open = %v, want a read-state-file error (not a *FileError: the content was never seen)", err)
		}
		if err := os.Remove(filepath.Join(dir, StateFile)); err != nil {
			t.Fatal(err)
		}
		open(t, dir) // the lock was released
	})
}

// A FileError for invalid JSON keeps the decoder's error, so that a caller can say where in
// the file it broke.
func TestFileErrorUnwrapsTheCause(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, StateFile), []byte(`{"version": 1, "jobs": [}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), dir, 0, "test")
	var syn *json.SyntaxError
	if !errors.As(err, &syn) || syn.Offset == 0 {
		t.Fatalf("Open = %v, want it to wrap the *json.SyntaxError with its offset", err)
	}
}

// A lock whose holder record was written has nothing to warn about.
func TestLockWarningNilWhenRecorded(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if w := s.LockWarning(); w != nil {
		t.Errorf("LockWarning = %v, want nil", w)
	}
	if data, err := os.ReadFile(filepath.Join(dir, LockFile)); err != nil || !strings.Contains(string(data), "test") {
		t.Errorf("lock file holds %q (%v), want the holder info", data, err)
	}
}

// A runtime-id that cannot be read is an error, not a reason to mint a new identity (the
// control plane would see a new runtime) nor to overwrite what is there.
func TestRuntimeIDUnreadable(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, RuntimeIDFile), 0o700); err != nil {
		t.Fatal(err)
	}
	id, err := open(t, dir).RuntimeID()
	if err == nil || id != "" || !strings.Contains(err.Error(), "read runtime id") {
		t.Fatalf("RuntimeID = %q, %v; want a read-runtime-id error", id, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, RuntimeIDFile)); err != nil || !fi.IsDir() {
		t.Errorf("the unreadable runtime-id was replaced: %v", err)
	}
}

// Without XDG_STATE_HOME the per-configuration directory is under ~/.local/state; the key is
// that of the configuration's absolute path, so a relative and an absolute spelling agree.
func TestChooseDirUnderHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	noenv := func(string) (string, bool) { return "", false }
	rel, err := ChooseDir(Place{ConfigPath: "a.hcl", Getenv: noenv})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(home, ".local", "state", "argus", "a.hcl-")
	if !strings.HasPrefix(rel, want) || len(rel) != len(want)+12 {
		t.Errorf("ChooseDir = %q, want %q and a 12-digit key", rel, want)
	}
	absPath, err := filepath.Abs("a.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if abs, err := ChooseDir(Place{ConfigPath: absPath, Getenv: noenv}); err != nil || abs != rel {
		t.Errorf("absolute spelling: %q, %v; want %q", abs, err, rel)
	}
	if shared, err := ChooseDir(Place{Getenv: noenv}); err != nil || shared != filepath.Join(home, ".local", "state", "argus") {
		t.Errorf("shared area: %q, %v", shared, err)
	}
}
