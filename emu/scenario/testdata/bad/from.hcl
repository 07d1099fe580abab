# Broken from references; the last scenario is fine.
scenario "no_file" {
  from = "missing.hcl#x"
}

scenario "no_name" {
  from = "../good.hcl"
}

scenario "misspelt" {
  from = "../good.hcl#everythin"
}

scenario "with_step" {
  from    = "../good.hcl#everything"
  drivers = ["initrd"]
  step {
    at   = "1ms"
    type = "lsmod"
  }
}

scenario "within_alone" {
  within = "1s"
  expect { no_bugcheck_for = "1ms" }
}

scenario "chained" {
  from = "from.hcl#fine"
}

scenario "no_bound" {
  from   = "../good.hcl#minimal"
  within = "1s"
}

scenario "too_short" {
  from        = "../good.hcl#everything"
  max_time    = "1s"
  shift_steps = "5s"
}

scenario "fine" {
  from = "../good.hcl#minimal"
}
