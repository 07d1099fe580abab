# A101 (docs/patchguard.md): a listed driver's read-only data rewritten. The loader maps a
# driver's read-only data read-only, but only its text pages were hashed (A93).
# attack_a101_driver_rodata rewrites the first non-zero byte of vendor_sample's read-only
# data with CR0.WP off. Before: no bug check (test 1 s, fast 20 s, seed 1). Expected: bug
# check 0x109, region type 0x1 (the driver's pages, its read-only data now among them, are
# one sealed table per context), within each profile's bound.
scenario "a101_driver_rodata" {
  description = "A101: a byte of vendor_sample's read-only data rewritten"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a101_driver_rodata"]

  step {
    at     = "30ms"
    load   = "attack_a101_driver_rodata"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a101: a byte of vendor_sample's read-only data rewritten"
  }
}

scenario "a101_driver_rodata_fast" {
  from        = "a101_driver_rodata.hcl#a101_driver_rodata"
  description = "A101 in the fast profile"
  append      = ""
  max_time    = "20s"
  within      = "16s"
}
