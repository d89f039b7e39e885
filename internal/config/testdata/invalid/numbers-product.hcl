# Literals in range whose product is not: caught after evaluation.
job "product" {
  provider = "builtin/file"
  config = {
    big = 1e300 * 1e300  # ERROR: The value of config holds a number out of range
  }
}
