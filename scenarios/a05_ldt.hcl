# A5 (docs/patchguard.md): load a non-zero LDT.
# Expected: bug check 0x109, region type 0x3, within the test profile's bound.
scenario "a05_ldt" {
  description = "A5: load a non-zero LDT"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a5"]

  step {
    at   = "30ms"
    load = "attack_a5 ldt"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x3"
    within      = "150ms"
  }
  expect {
    serial = "attack_a5: GDT copied with an LDT"
  }
}
