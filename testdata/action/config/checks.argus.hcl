# The configuration action_test.go runs through the action's steps: one job that passes and one
# that fails, with built-in providers only, so the result is the same on every machine.
job "always-passes" {
  provider = "builtin/command"
  config   = { command = ["true"] }
}

job "always-fails" {
  provider = "builtin/command"
  labels   = { control = "ac-6" }
  config   = { command = ["false"] }
}
