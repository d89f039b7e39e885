job "x" {
  provider = "builtin/file"
  config   = { path = }  # ERROR: Invalid expression
}
