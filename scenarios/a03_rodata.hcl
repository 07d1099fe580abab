# A3 (docs/patchguard.md): patch read-only kernel data.
# Expected: bug check 0x109, region type 0x0, within the test profile's bound.
scenario "a03_rodata" {
  description = "A3: patch read-only kernel data"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a3"]

  step {
    at   = "30ms"
    load = "attack_a3"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x0"
    within      = "150ms"
  }
  expect {
    serial = "attack_a3: read-only string at kernel\\+0x[0-9a-f]+ rewritten"
  }
}
