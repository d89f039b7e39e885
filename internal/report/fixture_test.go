package report

import (
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// testSecret appears in a reason and in stderr of the fixture; no output may contain it.
const testSecret = "s3cr3t-t0ken-value"

// injection is provider text that tries to issue workflow commands.
const injection = "::error file=evil.go,line=1::pwned\n::add-mask::x\n::set-env name=EVIL::1"

var t0 = time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{ToolName: "argus", ToolVersion: "0.1.0", Secrets: []string{testSecret}}
}

// legacyTLS waives the tls-min-version failure of the fixture; its text needs escaping too.
var legacyTLS = waiver.Waiver{
	Name: "legacy-tls", Job: "tls-*", Reason: "Old <load balancer> | replaced in Q1 (token " + testSecret + ")", ApprovedBy: "security@example.com",
	Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), File: "ci/waivers.hcl", Line: 3,
}

// fixtureRun covers every status, several jobs and providers, controls as labels (a token and
// a CIS-style id) and as result fields, evidence, a job without a location, and text that
// every format must escape, severities (set by the provider and not), a waived failure, a
// failure whose waiver expired, an unused waiver, and a job's own description and remediation.
// Jobs and results are deliberately out of order.
func fixtureRun() *result.Run {
	return &result.Run{
		ID:      "0b7c6a2e-5d1f-4c3a-9e8b-2f6d4a1c9e70",
		Started: t0,
		Ended:   t0.Add(1500 * time.Millisecond),
		Config:  "ci/argus.hcl",
		UnusedWaivers: []waiver.Waiver{{
			Name: "stale", Job: "etc-*", Reason: "was failing", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), File: "ci/waivers.hcl", Line: 9,
		}},
		Jobs: []result.Job{
			{
				Name:        "ssh-root-login",
				Provider:    "registry.example.com/acme/cis",
				Labels:      map[string]string{"control": "3.3.1, ac-17", "team": "platform"},
				Subject:     sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
				Location:    result.Location{File: "ci/argus.hcl", Line: 20, Column: 1},
				Start:       t0.Add(100 * time.Millisecond),
				End:         t0.Add(900 * time.Millisecond),
				Description: "Root cannot log in over SSH.",
				Remediation: "Set PermitRootLogin no in /etc/ssh/sshd_config.",
				Expired: map[string]waiver.Waiver{"PermitRootLogin is no": {
					Name: "old-ssh", Job: "ssh-*", Reason: "bastion", Expires: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), File: "ci/waivers.hcl", Line: 15,
				}},
				Results: []sdk.Result{
					{
						Title:    "PermitRootLogin is no",
						Status:   sdk.StatusFail,
						Severity: sdk.SeverityHigh,
						Reason:   "sshd_config says | PermitRootLogin yes |\nand <Match> & friends\n" + injection,
						Observations: []sdk.Observation{{
							Title:    "sshd_config",
							Evidence: map[string]any{"line": float64(42), "value": "yes"},
						}},
						Controls: []string{"ac-6"},
					},
					{
						Title:  "PasswordAuthentication is no",
						Status: sdk.StatusPass,
					},
				},
			},
			{
				Name:     "etc-passwd-perms",
				Provider: "builtin/file",
				Labels:   map[string]string{"control": "ac-6"},
				Subject:  sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
				Location: result.Location{File: "ci/argus.hcl", Line: 8, Column: 1},
				Start:    t0,
				End:      t0.Add(20 * time.Millisecond),
				Results: []sdk.Result{{
					Title:       "/etc/passwd has mode 0644",
					Description: "File permissions of /etc/passwd.",
					Status:      sdk.StatusPass,
					Observations: []sdk.Observation{{
						Title:       "stat /etc/passwd",
						Description: "mode and owner",
						Evidence:    map[string]any{"mode": "0644", "owner": "root", "groups": []any{"root", "wheel"}},
					}},
				}},
			},
			{
				Name:     "broken-provider",
				Provider: "./providers/local-script",
				Subject:  sdk.Subject{Type: "resource", Identifier: "repo"},
				Location: result.Location{File: "ci/argus.hcl", Line: 30, Column: 3},
				Start:    t0.Add(200 * time.Millisecond),
				End:      t0.Add(1200 * time.Millisecond),
				Results: []sdk.Result{{
					Title:    "provider run",
					Status:   sdk.StatusError,
					Severity: sdk.SeverityLow,
					Reason:   "provider exited with status 2 (token " + testSecret + ")\nsee stderr",
				}},
				Stderr: "connecting with " + testSecret + "\n" + injection + "\nesc\x1b[31mred\x00nul\n",
			},
			{
				// From the control plane: no block in the config file to point at.
				Name:     "tls-min-version",
				Provider: "builtin/http",
				Labels:   map[string]string{"control": "sc-8"},
				Subject:  sdk.Subject{Type: "web site", Identifier: "https://example.com"},
				Start:    t0.Add(300 * time.Millisecond),
				End:      t0.Add(500 * time.Millisecond),
				Results: []sdk.Result{{
					Title:    "TLS 1.2 or later",
					Status:   sdk.StatusFail,
					Severity: sdk.SeverityCritical,
					Reason:   "server accepted TLS 1.0 ]]> after a CDATA end",
				}},
				Waivers: map[string]waiver.Waiver{"TLS 1.2 or later": legacyTLS},
			},
			{
				Name:     "windows-only",
				Provider: "builtin/command",
				Subject:  sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
				Location: result.Location{File: "ci/argus.hcl", Line: 40, Column: 1},
				Start:    t0.Add(100 * time.Millisecond),
				End:      t0.Add(110 * time.Millisecond),
				Results: []sdk.Result{{
					Title:  "registry key set",
					Status: sdk.StatusSkip,
					Reason: "not a Windows host",
				}},
			},
		},
	}
}

// emptyRun is a run in which no job was due.
func emptyRun() *result.Run {
	return &result.Run{ID: "9f1e2d3c-4b5a-4968-8776-655443322110", Started: t0, Ended: t0.Add(5 * time.Millisecond), Config: "argus.hcl"}
}
