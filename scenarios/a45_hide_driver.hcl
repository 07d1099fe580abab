# A45 (docs/patchguard.md): hide a working driver from the module list and the module table.
# Expected: bug check 0x109, region type 0x19, within the test profile's bound.
scenario "a45_hide_driver" {
  description = "A45: hide a working driver from the module list and the module table"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a45_hide_driver", "driver:hello"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a45_hide_driver"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a45: module record removed from the module list and table, a timer still running"
  }
}
