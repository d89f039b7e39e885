# Waivers owned by the security team, apart from the checks: pass this file with
# --waivers examples/waivers/security/waivers.hcl (or ARGUS_WAIVERS). It may hold waiver blocks
# only. A waiver needs a reason and an expiry at most argus.waiver_max_days ahead (365 by
# default); it applies through its expiry date (UTC), and warns in its last 14 days.

waiver "legacy-bastion" {
  job         = "sshd-*"                      # a glob over job names
  result      = "command *"                  # optional: only results with this title (or glob)
  reason      = "The legacy bastion needs root logins until it is decommissioned (CHG-4711)."
  expires     = "2027-03-31"
  approved_by = "security@example.com"
}
