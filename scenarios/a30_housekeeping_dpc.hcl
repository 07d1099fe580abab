# A30 (docs/patchguard.md): replace the housekeeping DPC routine so the piggy-back trigger starves.
# Expected: bug check 0x109, region type 0x101, within the test profile's bound.
scenario "a30_housekeeping_dpc" {
  description = "A30: replace the housekeeping DPC routine so the piggy-back trigger starves"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a30_housekeeping"]

  step {
    at     = "30ms"
    load   = "attack_a30_housekeeping"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a30: housekeeping DPC routine replaced"
  }
}
