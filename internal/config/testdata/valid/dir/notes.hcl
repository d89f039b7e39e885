this file is not named *.argus.hcl, so it is ignored { even though it does not parse
