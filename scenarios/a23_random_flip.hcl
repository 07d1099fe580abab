# A23 (PATCHGUARD.md §3): a random byte flip anywhere in any protected
# memory region (a host-side poke). Every flip must be detected with that
# region's type within the test profile's bound (about 80 ms). 200 runs here
# (make test); scenarios/campaign/a23_full.hcl runs 1,000.
scenario "a23_random_flip" {
  description = "A23: random bit flip in a random protected region, 200 seeds"
  append      = "pg.profile=test"
  seeds       = "1..200"
  step {
    after  = "pg-armed + 5ms"
    jitter = "20ms"
    attack = true
    flip { region_type = "any" }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "flipped"
    within      = "100ms"
    crash_ok    = true
  }
}
