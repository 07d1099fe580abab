# A28 (docs/patchguard.md): set PatchGuard's busy flag (a context looks open for ever).
# Expected: bug check 0x109, region type 0x101, within the test profile's bound.
scenario "a28_busy_flag" {
  description = "A28: set PatchGuard's busy flag (a context looks open for ever)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a28_busy"]

  step {
    at     = "30ms"
    load   = "attack_a28_busy"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a28: PatchGuard's busy flag set"
  }
}
