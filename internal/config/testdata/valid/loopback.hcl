registry "localhost" {
  url = "http://[::1]:8080/"
}

registry "127.0.0.1" {
  url = "http://localhost/index/"
}
