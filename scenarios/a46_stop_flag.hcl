# A46 (docs/patchguard.md): set the stop routine's in-progress flag, then patch the service table.
# Expected: bug check 0x109, region type 0xa, with its stop screen, within the test profile's bound.
scenario "a46_stop_flag" {
  description = "A46: set the stop routine's in-progress flag, then patch the service table"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a46_stop_flag"]

  step {
    at     = "30ms"
    load   = "attack_a46_stop_flag"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a46: stop routine's in\\-progress flag set, service table patched"
  }
  expect {
    serial = "\\*\\*\\* STOP: 0x00000109 .*\\n\\*\\*\\* CRITICAL_STRUCTURE_CORRUPTION\\n\\*\\*\\* system halted"
  }
}
