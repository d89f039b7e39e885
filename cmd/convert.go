package cmd

import (
	"fmt"

	"github.com/compliance-framework/argus/internal/agentconfig"
	"github.com/compliance-framework/argus/internal/exitcode"
)

// ConvertCmd is `argus convert`: configuration of other tools turned into argus's.
type ConvertCmd struct {
	AgentConfig ConvertAgentConfigCmd `cmd:"" name:"agent-config" help:"Print the argus HCL equivalent to a Compliance Framework agent's config.yaml."`
}

// ConvertAgentConfigCmd is `argus convert agent-config FILE`.
type ConvertAgentConfigCmd struct {
	File string `arg:"" placeholder:"FILE" help:"The agent's config.yaml."`
}

// Help is shown under the command's usage line.
func (c *ConvertAgentConfigCmd) Help() string {
	return fmt.Sprintf(`Reads a Compliance Framework agent's config.yaml and prints the equivalent argus
configuration on stdout: the API url and credentials become a control_plane block (the
client secret an env("ARGUS_CLIENT_SECRET") reference, never the literal), and each plugin a
provider block and a job block with its source, schedule, policies, config, labels,
policy_data, policy_behavior and protocol_version. Settings argus has no equivalent for
(daemon, verbosity, agent_evidence) become comments saying what argus does instead.

YAML it cannot read (a syntax error, a wrong type, an unknown key) is reported with
file:line:col, and the exit code is %d. Save the output as a *.argus.hcl file, review it,
then run "argus init" and "argus assess".`, exitcode.Usage)
}

func (c *ConvertAgentConfigCmd) Run(a *app) error {
	out, err := agentconfig.ConvertFile(agentconfig.Request{Path: c.File})
	if err != nil {
		return err
	}
	_, err = a.Stdout.Write(out)
	return err
}
