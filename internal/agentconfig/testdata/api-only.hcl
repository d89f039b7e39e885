# argus configuration converted from "api-only.yaml" by "argus convert agent-config".
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
  url       = "https://ccf.example.com/"
  client_id = "123e4567-e89b-12d3-a456-426614174000"
  # Set ARGUS_CLIENT_SECRET to the agent's client_secret (from its config.yaml or
  # CCF_API_AUTH_CLIENT_SECRET). argus redacts it from every output and never passes it on.
  client_secret = env("ARGUS_CLIENT_SECRET")
}
