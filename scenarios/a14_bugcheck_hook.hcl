# A14 (docs/patchguard.md): hook the exported bug-check routine, then patch the service table.
# Expected: bug check 0x109, region type 0xa|0x1, within the test profile's bound.
scenario "a14_bugcheck_hook" {
  description = "A14: hook the exported bug-check routine, then patch the service table"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a14"]

  step {
    at   = "30ms"
    load = "attack_a14"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa|0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a14: bugcheck hooked, then service table entry \\d+ redirected"
  }
}
