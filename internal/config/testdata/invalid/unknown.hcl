job "x" {
  provider  = "builtin/file"
  frequency = "1h"  # ERROR: Unsupported argument
}

resource "a" "b" {  # ERROR: Unsupported block type
}

job "y" {
  provider = "builtin/file"
  config {  # ERROR: use the equals sign
    path = "/etc/passwd"
  }
}
