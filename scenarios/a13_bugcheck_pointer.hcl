# A13 (docs/patchguard.md): hook the bug-check routine pointer.
# Expected: bug check 0x109, region type 0x6, within the test profile's bound.
scenario "a13_bugcheck_pointer" {
  description = "A13: hook the bug-check routine pointer"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a13"]

  step {
    at   = "30ms"
    load = "attack_a13 stop"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x6"
    within      = "150ms"
  }
  expect {
    serial = "attack_a13: bug-check routine pointer hooked"
  }
}
