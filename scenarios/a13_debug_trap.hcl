# A13 (docs/patchguard.md): hook the debug-trap routine pointer.
# Expected: bug check 0x109, region type 0x6, within the test profile's bound.
scenario "a13_debug_trap" {
  description = "A13: hook the debug-trap routine pointer"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a13"]

  step {
    at   = "30ms"
    load = "attack_a13"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x6"
    within      = "150ms"
  }
  expect {
    serial = "attack_a13: debug-trap routine pointer hooked"
  }
}
