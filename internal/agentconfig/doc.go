// Package agentconfig converts a Compliance Framework agent's config.yaml into the equivalent
// argus HCL: the agent's api block becomes a control_plane block, and every entry of its
// plugins map becomes a provider block (kind "ccf-plugin") and a job block. Whatever has no
// equivalent in argus (daemon mode, verbosity, the agent's own run evidence) becomes a
// comment that says what argus does instead, and no secret is ever printed: the API's client
// secret, and plugin config values whose keys name a secret, become env() references.
//
// It reads the YAML the way the agent (viper + mapstructure) does where that changes what a
// plugin receives: keys are case-insensitive and lower-cased, scalar config values become
// strings ("true" becomes "1"), a single policy becomes a list. Where the agent would
// silently ignore or mangle something (an unknown key, a key with a '.', a bad cron), it
// reports an error with file:line:col instead, so that nothing is lost in the move.
//
// It is not responsible for checking that plugin or policy sources exist or can be pulled,
// for loading the HCL it writes (package config does), or for the agent's TOML and JSON
// forms beyond the JSON that YAML reads.
package agentconfig
