# A7 (docs/patchguard.md): clear CR4.SMEP.
# Expected: bug check 0x109, region type 0x15, within the test profile's bound.
scenario "a07_smep" {
  description = "A7: clear CR4.SMEP"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a7"]

  step {
    at   = "30ms"
    load = "attack_a7"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a7: CR4.SMEP cleared"
  }
}
