argus {
  parallel = 1e9999999  # ERROR: Number out of range
}

job "huge" {
  provider = "builtin/file"
  timeout  = "${-1e400}s"  # ERROR: within the range of a 64-bit float
  config = {
    tiny = 1e-400  # ERROR: Number out of range
    fine = 1.5e300
  }
}

