# A9 (docs/patchguard.md): unlink a driver from the loaded-module list (DKOM).
# Expected: bug check 0x109, region type 0x19, within the test profile's bound.
scenario "a09_module_list" {
  description = "A9: unlink a driver from the loaded-module list (DKOM)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a9"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at   = "50ms"
    load = "attack_a9"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a9: \\S+ unlinked from the loaded-module list"
  }
}
