# A34 (docs/patchguard.md): hook getpid and step out before every pass the timer queue announces.
# Expected: bug check 0x109, region type 0xa, within the test profile's bound.
scenario "a34_step_out" {
  description = "A34: hook getpid and step out before every pass the timer queue announces"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a34_stepout"]

  step {
    at     = "30ms"
    load   = "attack_a34_stepout"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a34: getpid hooked, stepping out before every visible pass"
  }
}
