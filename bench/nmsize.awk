#!/usr/bin/awk -f
# Sums `go tool nm -size` output (address, size, type, symbol) by the module a symbol belongs
# to, largest first: "module<TAB>KiB". Standard library packages are "std (Go)"; the linker's
# own tables (runtime.pclntab and the like, which grow with all of the code) are listed apart.
$3 !~ /^[TtRr]$/ { next } # code and read-only data: what the file carries (not bss, not data)
{
  size = $2; name = $4
  if (name ~ /^(runtime\.(pclntab|findfunctab|noptrdata|data|bss|noptrbss|rodata|types|typelink|itablink|text|etext|epclntab|esymtab|symtab|gcdata|gcbss|end|enoptrdata|edata|ebss|enoptrbss|erodata|etypes|egcdata|egcbss)|go:func\.\*|go:buildinfo.*)$/) { kb["linker tables (" name ")"] += size; next }
  sub(/^type:\.?(eq\.|hash\.)?\*?/, "", name); sub(/^go:(itab|string|info|link|cuinfo)\.\*?/, "", name)
  sub(/^\(\*?/, "", name); sub(/^\[\]\*?/, "", name); sub(/^map\[[^]]*\]\*?/, "", name)
  last = 0
  for (i = 1; i <= length(name); i++) { c = substr(name, i, 1); if (c == "/") last = i; if (c == "(" || c == "[") break }
  rest = substr(name, last + 1); dot = index(rest, ".")
  pkg = dot ? substr(name, 1, last + dot - 1) : name
  n = split(pkg, p, "/")
  if (p[1] !~ /\./) { mod = (n >= 1 && pkg ~ /^[a-z0-9_\/]+$/) ? "std (Go)" : "other"; kb[mod] += size; next }
  depth = (p[1] ~ /^(github\.com|gitlab\.com|golang\.org|oras\.land|aead\.dev|dario\.cat|go\.yaml\.in)$/) ? 3 : 2
  if (pkg ~ /^golang\.org\/x\//) depth = 3
  mod = p[1]; for (i = 2; i <= depth && i <= n; i++) mod = mod "/" p[i]
  kb[mod] += size
}
END { for (m in kb) printf "%s\t%d\n", m, kb[m] / 1024 | "sort -t'\t' -k2 -nr"; }
