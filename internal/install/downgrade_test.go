package install

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// TestUpgradeDowngrade: init --upgrade never moves a lock to a lower version unless
// AllowDowngrade; it then says so (Installed.DowngradedFrom, a warning event).
func TestUpgradeDowngrade(t *testing.T) {
	yank := func(t *testing.T, e *env) {
		e.publish(t, "cis", "1.5.0", func(r *registrytest.Release) { r.Yanked = "breaks CIS 6.1" })
	}
	tests := []struct {
		name       string
		change     func(t *testing.T, e *env) // after 1.5.0 is locked under ">= 1.0.0"
		allow      bool
		want       string // the version locked; "" when refused
		wantFrom   string
		wantYanked string // of the *DowngradeError
	}{
		{name: "upgrade to a higher version", change: func(t *testing.T, e *env) { e.publish(t, "cis", "1.6.0", nil) }, want: "1.6.0"},
		{name: "upgrade with nothing newer", change: func(*testing.T, *env) {}, want: "1.5.0"},
		{name: "constraint narrowed below the lock: refused", change: func(_ *testing.T, e *env) { e.cfg.Providers[0].Version = "< 1.5.0" }},
		{name: "constraint narrowed below the lock: allowed", change: func(_ *testing.T, e *env) { e.cfg.Providers[0].Version = "< 1.5.0" },
			allow: true, want: "1.4.0", wantFrom: "1.5.0"},
		{name: "locked version yanked: refused", change: yank, wantYanked: "breaks CIS 6.1"},
		{name: "locked version yanked: allowed", change: yank, allow: true, want: "1.4.0", wantFrom: "1.5.0"},
		{name: "allowed but higher: no downgrade said", change: func(t *testing.T, e *env) { e.publish(t, "cis", "1.6.0", nil) }, allow: true, want: "1.6.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, false)
			e.publish(t, "cis", "1.4.0", nil)
			e.publish(t, "cis", "1.5.0", nil)
			e.provider("cis", ">= 1.0.0")
			if _, err := e.init(t, nil); err != nil {
				t.Fatal(err)
			}
			lockPath := filepath.Join(e.cfg.Dir, lockfile.FileName)
			before, err := os.ReadFile(lockPath)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, e)
			e.events.kinds()
			res, err := e.init(t, func(r *Request) { r.Upgrade = true; r.AllowDowngrade = tt.allow })
			if tt.want == "" {
				var de *DowngradeError
				if !errors.As(err, &de) {
					t.Fatalf("Init --upgrade = %+v, %v; want a *DowngradeError", res, err)
				}
				if de.Locked != "1.5.0" || de.Chosen != "1.4.0" || de.Yanked != tt.wantYanked {
					t.Errorf("DowngradeError = %+v, want 1.5.0 → 1.4.0, yanked %q", de, tt.wantYanked)
				}
				for _, s := range []string{`provider "cis"`, "downgrade", "1.5.0", "1.4.0"} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("err = %q, want it to say %q", err, s)
					}
				}
				if strings.Contains(err.Error(), "argus init") {
					t.Errorf("err = %v: the hint belongs to the command line, not the installer", err)
				}
				after, _ := os.ReadFile(lockPath)
				if !bytes.Equal(after, before) {
					t.Errorf("a refused downgrade rewrote the lock:\n%s", after)
				}
				return
			}
			if err != nil {
				t.Fatalf("Init --upgrade: %v", err)
			}
			if got := res.Providers[0]; got.Version != tt.want || got.DowngradedFrom != tt.wantFrom {
				t.Errorf("installed %s (downgraded from %q), want %s (from %q)", got.Version, got.DowngradedFrom, tt.want, tt.wantFrom)
			}
			if v := e.lock(t).Providers[e.reg.Source("acme", "cis")].Version; v != tt.want {
				t.Errorf("lock pins %s, want %s", v, tt.want)
			}
			if said := slices.Contains(e.events.kinds(), EventDowngraded); said != (tt.wantFrom != "") {
				t.Errorf("EventDowngraded sent = %v, want %v", said, tt.wantFrom != "")
			}
		})
	}
}

func TestDowngradeErrorSaysWhy(t *testing.T) {
	tests := []struct {
		err  *DowngradeError
		want string
	}{
		{&DowngradeError{Locked: "1.5.0", Chosen: "1.4.0", Constraint: "< 1.5.0"},
			`downgrade from 1.5.0 to 1.4.0 refused: the newest version "< 1.5.0" allows is lower than the locked one`},
		{&DowngradeError{Locked: "1.5.0", Chosen: "1.4.0", Constraint: ">= 1.0.0", Yanked: "broken"},
			`downgrade from 1.5.0 to 1.4.0 refused: the locked version is yanked (broken)`},
		{&DowngradeError{Locked: "1.5.0", Chosen: "1.4.0", Constraint: ">= 1.0.0", Withdrawn: true},
			`downgrade from 1.5.0 to 1.4.0 refused: the index no longer lists the locked version`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestCheckDowngradeWithdrawn: a locked version the index no longer lists at all (not
// yanked: removed) is refused as a downgrade too, and says so.
func TestCheckDowngradeWithdrawn(t *testing.T) {
	addr := Address{Host: "r.test", Namespace: "acme", Name: "cis"}
	old := lockfile.New()
	old.Providers[addr.String()] = &lockfile.Provider{Source: addr.String(), Version: "1.5.0"}
	idx := &Index{Versions: map[string]IndexVersion{"1.4.0": {}}}
	p := config.Provider{Name: "cis", Source: addr.String(), Version: ">= 1.0.0"}
	for _, tt := range []struct {
		req      Request
		wantFrom string
		refused  bool
	}{
		{Request{Upgrade: true}, "", true},
		{Request{Upgrade: true, AllowDowngrade: true}, "1.5.0", false},
		{Request{}, "", false}, // without Upgrade the lock's own version is kept; nothing to compare
	} {
		in := &installer{req: tt.req, old: old}
		from, err := in.checkDowngrade(p, addr, idx, "1.4.0")
		var de *DowngradeError
		if refused := errors.As(err, &de); refused != tt.refused || from != tt.wantFrom {
			t.Errorf("%+v: checkDowngrade = %q, %v; want from %q, refused %v", tt.req, from, err, tt.wantFrom, tt.refused)
		}
		if de != nil && !de.Withdrawn {
			t.Errorf("DowngradeError = %+v, want Withdrawn", de)
		}
	}
}
