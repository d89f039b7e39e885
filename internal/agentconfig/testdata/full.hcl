# argus configuration converted from "full.yaml" by "argus convert agent-config".
# Review it, save it as a *.argus.hcl file, run "argus init" (it pulls every plugin and policy
# and pins their digests in argus.lock.hcl: commit both) and then "argus assess".
#
# Where argus differs from the agent:
# - Each job runs under a timeout (default 5m; set timeout = "…" in a job): the agent had none.
# - Jobs run in parallel (--parallel), and one plugin's failure is an error result (exit 3)
#   while the other jobs go on: the agent ran plugins one by one and stopped at the first error.
# - A plugin gets PATH, HOME, TMPDIR, LANG, HOSTNAME and its job's env_allow only, never argus's
#   ARGUS_* variables: the agent passed its whole environment.
# - The agent also read CCF_* environment variables over its file (CCF_API_URL, CCF_API_AUTH_*,
#   …); this conversion used the file only.
#
# daemon: true has no equivalent: argus runs once and exits. Run "argus assess" from cron, a
# systemd timer or CI; each run executes the jobs whose schedule came round since they last ran.
#
# verbosity: 2 has no equivalent in the configuration: pass --log-level debug (or set
# ARGUS_LOG_LEVEL=debug); a plugin's log lines are re-logged at their own level.
#
# agent_evidence ("enabled: true", "emit_on_run_completion: false", "interval: 2h") has no equivalent: argus posts no run evidence about
# itself. It sends a heartbeat per run, a failed plugin becomes an error result delivered as
# not-satisfied evidence in its job's stream, and the exit code says how the run went.

control_plane {
  url       = "https://ccf.example.com"
  client_id = "123e4567-e89b-12d3-a456-426614174000"
  # Set ARGUS_CLIENT_SECRET to the agent's client_secret (from its config.yaml or
  # CCF_API_AUTH_CLIENT_SECRET). argus redacts it from every output and never passes it on.
  client_secret = env("ARGUS_CLIENT_SECRET")
}

# plugins.local-ssh (full.yaml:14)
provider "local-ssh" {
  source           = "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"
  kind             = "ccf-plugin"
  protocol_version = 2
}

job "local-ssh" {
  provider = "local-ssh"
  # The agent read this in the machine's local time zone; argus reads cron in UTC: shift the hours if the machine is not on UTC.
  schedule = "0 3 * * *"
  # env_allow = ["…"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment
  # Local policy paths are as the agent had them (relative to its working directory): the path
  # is part of the plugin's stream UUIDs. argus resolves them against this file's directory.
  policies = ["ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1", "policies/ssh"]
  # The plugin receives every value as a string, exactly as the agent sent it.
  config = {
    host = "localhost"
    port = "22"
    # The agent sent YAML true as "1".
    strict = "1"
    # Set CCF_PLUGINS_LOCAL_SSH_CONFIG_PASSWORD to the value of plugins.local-ssh.config.password (line 25): a secret is not written here.
    password = env("CCF_PLUGINS_LOCAL_SSH_CONFIG_PASSWORD")
  }
  # Left out of policy_data, as the agent's loader drops nulls and empty mappings: "limits.mem limit".
  policy_data = {
    allowed_users = [
      "root",
      "admin",
    ]
    limits = {
      cpu = 2
    }
    max_auth_tries = 4
    ratio          = 0.5
  }
  policy_behavior = {
    skip = ["rule-a", "rule-b"]
  }
  # Label "_internal" = "dropped" is left out: argus reserves names starting with '_' (and needs a name).
  labels = {
    team = "platform"
    # The agent lower-cased the label "Env" to "env".
    env = "prod"
  }
}

# plugins.Apt_Versions (full.yaml:37)
# The agent ignores the case of keys: it named this plugin "apt_versions".
provider "apt_versions" {
  # A local plugin: argus resolves a relative path against this file's directory, the agent
  # against its working directory. The executable is the file, or "plugin" in the directory.
  source = "../plugin-apt-versions/dist"
  kind   = "ccf-plugin"
}

job "apt_versions" {
  provider = "apt_versions"
  # Converted from the agent's "@every 90m".
  schedule = "every 90m"
  # env_allow = ["…"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment
  # Local policy paths are as the agent had them (relative to its working directory): the path
  # is part of the plugin's stream UUIDs. argus resolves them against this file's directory.
  policies = ["./apt-policies/bundle.tar.gz"]
}

# plugins.aws-ec2 (full.yaml:41)
provider "aws-ec2" {
  source = "ghcr.io/compliance-framework/plugin-aws-ec2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  kind   = "ccf-plugin"
}

job "aws-ec2" {
  provider = "aws-ec2"
  # Converted from the agent's "@daily".
  # The agent read this in the machine's local time zone; argus reads cron in UTC: shift the hours if the machine is not on UTC.
  schedule = "0 0 * * *"
  # env_allow = ["…"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment
}

# plugins.plain (full.yaml:44)
provider "plain" {
  # A local plugin (the agent's "plugins/plain", relative to its working directory): argus resolves
  # it against this file's directory. The executable is the file, or "plugin" in the directory.
  source = "./plugins/plain"
  kind   = "ccf-plugin"
}

job "plain" {
  provider = "plain"
  # The agent's default schedule.
  schedule = "* * * * *"
  # env_allow = ["…"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment
}
