# A7 (docs/patchguard.md): leave CR0.WP clear.
# Expected: bug check 0x109, region type 0x15, within the test profile's bound.
scenario "a07_wp" {
  description = "A7: leave CR0.WP clear"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a7"]

  step {
    at   = "30ms"
    load = "attack_a7 wp"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a7: CR0.WP left clear"
  }
}
