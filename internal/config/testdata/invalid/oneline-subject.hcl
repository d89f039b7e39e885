# The one-line form of DESIGN.md's example is not HCL: a single-line block holds one argument.
job "x" {
  provider = "builtin/file"
  subject { type = "inventory-item", identifier = "host/web-1" }  # ERROR: Single-line block syntax can include only one argument
}
