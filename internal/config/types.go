package config

import (
	"encoding/json"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// Config is a loaded, checked configuration: every block of every file, decoded.
type Config struct {
	// Path is the file or directory the configuration was loaded from, as given.
	Path string
	// Dir is the directory holding the configuration (the file's directory when Path is a
	// file). The lock file lives here and relative provider sources resolve against it.
	Dir string
	// Files holds the source of every file read, keyed by the filename used in diagnostics,
	// so that later diagnostics (from the installer, say) can show snippets.
	Files map[string]*hcl.File

	Argus        Argus
	ControlPlane *ControlPlane // nil when the configuration has no control_plane block
	RemoteConfig *RemoteConfig // nil when the configuration has no remote_config block
	Registries   []Registry    // sorted by Host
	Providers    []Provider    // sorted by Name
	Jobs         []Job         // sorted by Name
	Reports      []Report      // in declaration order
	Waivers      []Waiver      // sorted by Name; from the configuration and LoadOptions.WaiverFiles
}

// WaiverRules are the configuration's waivers as package waiver matches them, in name order.
func (c *Config) WaiverRules() []waiver.Waiver {
	out := make([]waiver.Waiver, len(c.Waivers))
	for i, w := range c.Waivers {
		out[i] = w.Waiver
	}
	return out
}

// Argus is the `argus` block: settings of argus itself.
type Argus struct {
	RequiredVersion string // go-version constraint on argus's own version; "" when unset
	StateDir        string // "" when unset; made absolute against Dir when set
	Parallel        int    // 0 when unset
	// WaiverMaxDays bounds how far ahead a waiver's expiry may be; 0 when unset (365 days).
	WaiverMaxDays int
	Range         hcl.Range
}

// ControlPlane is the `control_plane` block.
type ControlPlane struct {
	URL          string
	ClientID     string // "" for anonymous
	ClientSecret string // a secret: never logged, never passed to a provider
	// RemoteProviders are the providers the control plane's job specs may use (remote_providers);
	// nil when unset: see Config.RemoteProvider for the default.
	RemoteProviders      []string
	RemoteProvidersRange hcl.Range
	Range                hcl.Range
}

// Registry is a `registry "<host>"` block: where the index of a source host lives.
type Registry struct {
	Host        string
	URL         string
	SigningKeys []string // minisign public keys trusted for this host
	Range       hcl.Range
}

// Provider is a `provider "<name>"` block.
type Provider struct {
	Name    string
	Source  string // host/namespace/name, or a local path starting with ./, ../ or /
	Version string // go-version constraint; "" for local sources
	// LocalPath is Source made absolute against the declaring file's directory when the source
	// is local, and "" otherwise.
	LocalPath             string
	SigningKeys           []string
	InsecureSkipSignature bool
	// Kind is "" for argus's own JSON protocol (kind = "argus", the default) or KindCCFPlugin
	// (a Compliance Framework plugin, run over go-plugin). An OCI source implies KindCCFPlugin.
	Kind string
	// ProtocolVersion is a CCF plugin's protocol version as configured (1 or 2); 0 when unset:
	// then `argus init` reads the index annotation, else uses 1, and records it in the lock.
	ProtocolVersion int
	// Policies are the policy bundle sources a CCF plugin's jobs get unless they set their own:
	// OCI references, oci-layout:// references, local directories or .tar.gz bundles, as written.
	Policies []string
	Range    hcl.Range
}

// The provider kinds.
const (
	KindArgus     = "argus"
	KindCCFPlugin = lockfile.KindCCFPlugin
)

// IsCCFPlugin reports whether the provider is a Compliance Framework plugin.
func (p Provider) IsCCFPlugin() bool { return p.Kind == KindCCFPlugin }

// IsOCI reports whether the provider's source is an OCI reference (registry or oci-layout://).
func (p Provider) IsOCI() bool { return p.IsCCFPlugin() && !p.IsLocal() }

// IsLocal reports whether the provider's source is a local path rather than a registry address.
// The lock file's rule (lockfile.IsLocalSource) decides, so that a Provider built without
// LocalPath (by a test, say) is classified as Load would classify it.
func (p Provider) IsLocal() bool { return lockfile.IsLocalSource(p.Source) }

// Job is a `job "<name>"` block.
type Job struct {
	Name string
	// Provider names a provider block or a built-in provider ("builtin/file").
	Provider string
	Schedule string        // "every 1h", a 5-field cron expression or macro, or "always"; default "always"
	Timeout  time.Duration // default DefaultJobTimeout
	Labels   map[string]string
	Subject  Subject
	// Config is the job's `config` attribute as a JSON object ("{}" when unset).
	Config   json.RawMessage
	EnvAllow []string
	// Severity is how much a failure of the job matters; default sdk.SeverityMedium. A
	// provider's result may carry its own.
	Severity sdk.Severity
	// Description and Remediation are the job's own words for what it checks and how to fix
	// a failure; reports use them instead of generic text. "" when unset.
	Description string
	Remediation string

	// The CCF plugin attributes; empty for jobs of argus-protocol providers.

	// PluginConfig is Config as the map<string,string> a CCF plugin's Configure receives.
	PluginConfig map[string]string
	// Policies are the job's policy sources: its own policies when set, else its provider's.
	Policies []string
	// PolicyData is policy_data, sent to the plugin as a google.protobuf.Struct; nil when unset.
	PolicyData map[string]any
	// PolicyBehavior is policy_behavior; nil when unset.
	PolicyBehavior map[string][]string

	// Range is the job block's header (`job "name" {`), where reports point.
	Range hcl.Range
}

// Subject is a job's `subject` block.
type Subject struct {
	Type       string
	Identifier string
}

// Waiver is a `waiver "<name>"` block: a failed result accepted, with a reason, until a date.
type Waiver struct {
	waiver.Waiver
	Range hcl.Range // the block's header
}

// Report is a `report "<format>"` block.
type Report struct {
	Format string
	Path   string
	// Category is a SARIF report's automationDetails.id; "" for the default.
	Category string
	Range    hcl.Range
}

// DefaultJobTimeout is a job's timeout when its block sets none.
const DefaultJobTimeout = 5 * time.Minute

// BuiltinPrefix starts the name of every provider compiled into argus.
const BuiltinPrefix = "builtin/"
