# argus configuration converted from "anchors.yaml" by "argus convert agent-config".
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

control_plane {
  url = "http://127.0.0.1:8080"
  # No api.auth in the agent's file: anonymous, as the agent was. For an authenticated agent add
  # client_id = "<uuid>" and client_secret = env("ARGUS_CLIENT_SECRET").
}

# plugins.one (anchors.yaml:4)
provider "one" {
  source = "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"
  kind   = "ccf-plugin"
}

job "one" {
  provider = "one"
  # The agent's default schedule.
  schedule = "* * * * *"
  # env_allow = ["…"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment
  labels = {
    team = "platform"
  }
}

# plugins.two (anchors.yaml:7)
provider "two" {
  source = "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3"
  kind   = "ccf-plugin"
}

job "two" {
  provider = "two"
  # The agent's default schedule.
  schedule = "* * * * *"
  # env_allow = ["…"] # the variables this plugin reads (credentials, tokens): the agent passed its whole environment
  labels = {
    site = "b"
    team = "platform"
  }
}
