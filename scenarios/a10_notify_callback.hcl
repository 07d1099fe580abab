# A10 (docs/patchguard.md): redirect a vendor callback in a notify array by
# direct write instead of through the API. The array is sealed.
# Expected: bug check 0x109, region type 0x18.
scenario "a10_notify_callback" {
  description = "A10: overwrite an image-notify entry by direct write"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a10"]

  step {
    at     = "30ms"
    load   = "attack_a10"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a10: notify array entry redirected by direct write"
  }
}
