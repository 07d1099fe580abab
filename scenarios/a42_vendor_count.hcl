# A42 (docs/patchguard.md): set the handle-filter list's count to 0 (vendor filters off, array untouched).
# Expected: bug check 0x109, region type 0x18, within the test profile's bound.
scenario "a42_vendor_count" {
  description = "A42: set the handle-filter list's count to 0 (vendor filters off, array untouched)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a42_vendor_count", "driver:vendor_sample"]

  step {
    at   = "30ms"
    load = "vendor_sample"
  }
  step {
    at     = "60ms"
    load   = "attack_a42_vendor_count"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a42: handle\\-filter count set to 0"
  }
}
