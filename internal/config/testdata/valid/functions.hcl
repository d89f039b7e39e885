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
    url    = "https://${hostname()}/health"
    banner = file("banner.txt")
    raw    = file("sub/raw.txt")
  }
}
