# A5 (docs/patchguard.md): add a call gate to the GDT (copied table, LGDT).
# Expected: bug check 0x109, region type 0x3, within the test profile's bound.
scenario "a05_gdt_call_gate" {
  description = "A5: add a call gate to the GDT (copied table, LGDT)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a5"]

  step {
    at   = "30ms"
    load = "attack_a5"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x3"
    within      = "150ms"
  }
  expect {
    serial = "attack_a5: GDT copied with a call gate"
  }
}
