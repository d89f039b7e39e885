package cptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// EnvURL is the variable Setup sets to the fake's base URL, for configs (url = env("FAKECP_URL")).
const EnvURL = "FAKECP_URL"

type valueKey struct{}

// Setup starts a fake for one script and sets $FAKECP_URL. The fake accepts the credentials in
// the script's $FAKECP_CLIENT_ID and $FAKECP_CLIENT_SECRET when set beforehand (Params.Setup
// runs first, so set them in an earlier Setup step or leave them unset for anonymous agents).
// Use it in testscript.Params.Setup, together with Cmds.
func Setup(e *testscript.Env) error {
	f := New(Options{ClientID: e.Getenv("FAKECP_CLIENT_ID"), ClientSecret: e.Getenv("FAKECP_CLIENT_SECRET")})
	srv := httptest.NewServer(f)
	e.Defer(srv.Close)
	e.Values[valueKey{}] = f
	e.Setenv(EnvURL, srv.URL)
	return nil
}

// Cmds returns the "fakecp" script command, driving the fake Setup started:
//
//	fakecp set KEY=VALUE...   change switches: down=true delay=2s fail500=3 status429=2
//	                          retry_after=1 unauthorized401=1 reject400=1 path=/api/evidence
//	                          no_remote_config=true (404, like API v0.16.0) instance_cap=N;
//	                          "off" clears all
//	fakecp dump               print the recording as JSON on stdout
//	fakecp expect KEY=N...    assert counts: requests, tokens, heartbeats, evidence, streams,
//	                          duplicates, rejected, injected, config_fetches, config_304s,
//	                          reports (accepted config reports), instances, runtimes
//	                          (distinct heartbeat UUIDs)
//	fakecp overlay FILE       save FILE's JSON object as the agent's next overlay revision
//	fakecp report [N]         print accepted config report N (default: the last) as JSON
//	fakecp reset              forget everything received and clear the switches
func Cmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"fakecp": func(ts *testscript.TestScript, neg bool, args []string) {
			f, _ := ts.Value(valueKey{}).(*Fake)
			if f == nil {
				ts.Fatalf("fakecp: no fake control plane: add cptest.Setup to Params.Setup")
			}
			out, err := Command(f, args, func(name string) ([]byte, error) { return os.ReadFile(ts.MkAbs(name)) })
			if out != "" {
				_, _ = fmt.Fprint(ts.Stdout(), out)
			}
			if neg {
				if err == nil {
					ts.Fatalf("fakecp %s: unexpected success", strings.Join(args, " "))
				}
				return
			}
			ts.Check(err)
		},
	}
}

// Command runs one fakecp subcommand against f and returns what it prints. readFile reads a
// file named on the command line.
func Command(f *Fake, args []string, readFile func(string) ([]byte, error)) (string, error) {
	if len(args) == 0 {
		return "", errors.New("usage: fakecp set|dump|expect|overlay|report|reset …")
	}
	switch args[0] {
	case "set":
		sw, err := ParseSwitches(f.Switches(), args[1:])
		if err != nil {
			return "", err
		}
		f.SetSwitches(sw)
		return "", nil
	case "dump":
		b, err := json.MarshalIndent(f.Recording(), "", "  ")
		return string(b) + "\n", err
	case "expect":
		return "", Expect(f.Recording(), args[1:])
	case "overlay":
		if len(args) != 2 {
			return "", errors.New("usage: fakecp overlay FILE")
		}
		data, err := readFile(args[1])
		if err != nil {
			return "", fmt.Errorf("fakecp overlay: %w", err)
		}
		_, err = f.SetOverlay(data)
		return "", err
	case "report":
		return LastReport(f.Recording(), args[1:])
	case "reset":
		f.Reset()
		return "", nil
	}
	return "", fmt.Errorf("fakecp: unknown subcommand %q (want set, dump, expect, overlay, report or reset)", args[0])
}

// ParseSwitches applies KEY=VALUE settings to sw. "off" turns every switch off.
func ParseSwitches(sw Switches, args []string) (Switches, error) {
	for _, a := range args {
		if a == "off" {
			sw = Switches{}
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return sw, fmt.Errorf("switch %q: want KEY=VALUE", a)
		}
		var err error
		switch k {
		case "down":
			sw.Down, err = strconv.ParseBool(v)
		case "delay":
			var d time.Duration
			d, err = time.ParseDuration(v)
			sw.Delay = Duration(d)
		case "fail500":
			sw.Fail500, err = strconv.Atoi(v)
		case "status429":
			sw.Status429, err = strconv.Atoi(v)
		case "retry_after":
			sw.RetryAfter = v
		case "unauthorized401":
			sw.Unauthorized401, err = strconv.Atoi(v)
		case "reject400":
			sw.Reject400, err = strconv.Atoi(v)
		case "path":
			sw.Path = v
		case "no_remote_config":
			sw.NoRemoteConfig, err = strconv.ParseBool(v)
		case "instance_cap":
			sw.InstanceCap, err = strconv.Atoi(v)
		default:
			return sw, fmt.Errorf("unknown switch %q (want down, delay, fail500, status429, retry_after, unauthorized401, reject400, path, no_remote_config, instance_cap or off)", k)
		}
		if err != nil {
			return sw, fmt.Errorf("switch %q: %w", a, err)
		}
	}
	return sw, nil
}

// Counts are the numbers Expect compares, by name. "runtimes" is the number of distinct runtime
// UUIDs that sent a heartbeat: 1 across runs of one state directory.
func Counts(r Recording) map[string]int {
	runtimes := map[string]bool{}
	for _, h := range r.Heartbeats {
		runtimes[h.UUID] = true
	}
	config304 := 0
	for _, c := range r.ConfigFetches {
		if c.Status == http.StatusNotModified {
			config304++
		}
	}
	accepted := acceptedReports(r)
	instances := map[string]bool{}
	for _, c := range accepted {
		instances[c.InstanceID] = true
	}
	return map[string]int{
		"runtimes":       len(runtimes),
		"requests":       r.Requests,
		"tokens":         r.TokensIssued,
		"heartbeats":     len(r.Heartbeats),
		"evidence":       len(r.Evidence),
		"streams":        len(r.Streams),
		"duplicates":     r.Duplicates,
		"rejected":       len(r.Rejected),
		"injected":       len(r.Injected),
		"config_fetches": len(r.ConfigFetches),
		"config_304s":    config304,
		"reports":        len(accepted),
		"instances":      len(instances),
	}
}

// Expect checks KEY=N assertions against r and names every mismatch.
func Expect(r Recording, args []string) error {
	counts := Counts(r)
	var errs []string
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		want, err := strconv.Atoi(v)
		if !ok || err != nil {
			return fmt.Errorf("expectation %q: want KEY=N", a)
		}
		got, known := counts[k]
		if !known {
			keys := make([]string, 0, len(counts))
			for k := range counts {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return fmt.Errorf("expectation %q: unknown count (want one of %s)", a, strings.Join(keys, ", "))
		}
		if got != want {
			errs = append(errs, fmt.Sprintf("%s: got %d, want %d", k, got, want))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("fake control plane: %s", strings.Join(errs, "; "))
	}
	return nil
}

func acceptedReports(r Recording) []ConfigReport {
	var out []ConfigReport
	for _, c := range r.ConfigReports {
		if c.Status == http.StatusNoContent {
			out = append(out, c)
		}
	}
	return out
}

// LastReport prints accepted config report N (1-based; the last when no argument is given).
func LastReport(r Recording, args []string) (string, error) {
	acc := acceptedReports(r)
	if len(acc) == 0 {
		return "", errors.New("fakecp report: no config report was accepted")
	}
	n := len(acc)
	if len(args) == 1 {
		var err error
		if n, err = strconv.Atoi(args[0]); err != nil || n < 1 || n > len(acc) {
			return "", fmt.Errorf("fakecp report: %q is not between 1 and %d", args[0], len(acc))
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(acc[n-1].Raw), &body); err != nil {
		return "", fmt.Errorf("fakecp report: %w", err)
	}
	b, err := json.MarshalIndent(body, "", "  ")
	return string(b) + "\n", err
}
