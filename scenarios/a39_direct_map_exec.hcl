# A39 (docs/patchguard.md): clear NX in a direct-map entry (an executable alias of RAM).
# Expected: bug check 0x109, region type 0x111, within the test profile's bound.
scenario "a39_direct_map_exec" {
  description = "A39: clear NX in a direct-map entry (an executable alias of RAM)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a39_direct_map_exec"]

  step {
    at     = "30ms"
    load   = "attack_a39_direct_map_exec"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a39: a direct\\-map entry is executable"
  }
}
