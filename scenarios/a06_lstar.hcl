# A6 (docs/patchguard.md): point LSTAR at driver code.
# Expected: bug check 0x109, region type 0x7, within the test profile's bound.
scenario "a06_lstar" {
  description = "A6: point LSTAR at driver code"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a6"]

  step {
    at   = "30ms"
    load = "attack_a6"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a6: LSTAR now enters the driver"
  }
}
