# Scenarios made from others (from), parsed by TestParseFrom.
scenario "same" {
  from = "../good.hcl#everything"
}

scenario "changed" {
  from        = "../good.hcl#everything"
  description = "everything, 20 seeds in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "5s"
}

scenario "only" {
  from = "one.hcl"
}
