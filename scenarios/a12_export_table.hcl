# A12 (docs/patchguard.md): redirect an export table entry.
# Expected: bug check 0x109, region type 0xd, within the test profile's bound.
scenario "a12_export_table" {
  description = "A12: redirect an export table entry"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a12"]

  step {
    at   = "30ms"
    load = "attack_a12"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xd"
    within      = "150ms"
  }
  expect {
    serial = "attack_a12: export entry of printk at kernel\\+0x[0-9a-f]+ redirected"
  }
}
