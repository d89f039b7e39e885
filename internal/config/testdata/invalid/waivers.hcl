argus {
  waiver_max_days = 90
}

job "sshd-no-root-login" {
  provider = "builtin/file"
  severity = "urgent"  # ERROR: "urgent" is not a severity. Use one of: info, low, medium, high, critical
  config   = { path = "/etc/ssh/sshd_config" }
}

job "cis-1.1" {
  provider = "builtin/file"
  severity = "critical"
  config   = { path = "/etc/passwd" }
}

waiver "typo" {
  job     = "sshd-no-rot-login"  # ERROR: No job matches "sshd-no-rot-login", so waiver "typo" would waive nothing. Did you mean "sshd-no-root-login"?
  reason  = "x"
  expires = "2027-01-01"
}

waiver "bad-date" {
  job     = "cis-*"
  reason  = "x"
  expires = "31/03/2027"  # ERROR: "31/03/2027" is not a date: write it as YYYY-MM-DD
}

waiver "too-far" {
  job     = "cis-*"
  reason  = "x"
  expires = "2027-03-31"  # ERROR: is more than 90 days ahead
}

waiver "no-reason" {  # ERROR: The argument "reason" is required
  job     = "cis-*"
  expires = "2027-01-01"
}

waiver "blank-reason" {
  job     = "cis-*"
  reason  = "   "  # ERROR: The waiver's reason is empty
  expires = "2027-01-01"
}

waiver "expired" {
  job     = "cis-*"
  reason  = "x"
  expires = "2026-11-30"  # ERROR: Waiver "expired" expired on 2026-11-30 and no longer applies
}

waiver "soon" {
  job     = "cis-*"
  reason  = "x"
  expires = "2026-12-10"  # ERROR: Waiver "soon" expires on 2026-12-10 (in 9 days)
}

waiver "nomatch-*" {  # ERROR: "nomatch-*" is not a valid waiver name
  job     = "web-*"  # ERROR: No job matches "web-*"
  reason  = "x"
  expires = "2027-01-01"
}

waiver "soon" {  # ERROR: A waiver named "soon" is already declared
  job     = "cis-*"
  reason  = "x"
  expires = "2027-01-01"
}
