job "functions" {
  provider = "builtin/http"
  labels = {
    owner = env("TEAM")
    unset = env("NOT_SET_ANYWHERE")
  }
  subject {
    type       = "service"
    identifier = "svc/${hostname()}"
  }
  config = {
    url     = "https://${hostname()}/health"
    min_tls = file("banner.txt")      # keys a built-in accepts; values it checks when it runs
    headers = [file("sub/raw.txt")]
  }
}
