# A1 (docs/patchguard.md): overwrite a system service table entry.
# Expected: bug check 0x109, region type 0xa, within the test profile's bound.
# The default machine's vendor_sample blocks attack_a1 through its image
# gate (a24_blocked_driver), so this machine boots without it.
scenario "a01_service_table" {
  description = "A1: overwrite a system service table entry"
  append      = "pg.profile=test"
  drivers     = ["initrd"]
  requires    = ["driver:attack_a1"]

  step {
    at   = "30ms"
    load = "attack_a1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a1: service table at kernel\\+0x[0-9a-f]+, entry \\d+ now points into the driver"
  }
}
