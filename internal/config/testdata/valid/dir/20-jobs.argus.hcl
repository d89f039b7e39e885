# Jobs refer to providers declared in another file of the same directory.
job "zz-last" {
  provider = "zeta"
}

job "aa-first" {
  provider = "alpha"
  schedule = "always"
  timeout  = "2m"
}

report "junit" {
  path = "junit.xml"
}
