#!/usr/bin/env bash
# Last step of the argus GitHub Action (action.yml): fail the job with argus's own exit code,
# after the reports were uploaded (see the exit codes in README.md: 1 gate failed, 2
# configuration, 3 a provider errored, 4 results wait in the outbox).
set -euo pipefail
code=${ARGUS_EXIT_CODE:-}
if ! [[ $code =~ ^[0-9]+$ ]]; then
  echo "::error title=argus::argus assess did not report an exit code (it did not run?)" >&2
  exit 2
fi
if [ "$code" -ne 0 ]; then
  echo "::error title=argus::argus assess exited with $code" >&2
fi
exit "$code"
