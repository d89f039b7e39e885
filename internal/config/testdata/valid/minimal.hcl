job "one" {
  provider = "builtin/command"
  config = {
    command = ["true"]
  }
}
