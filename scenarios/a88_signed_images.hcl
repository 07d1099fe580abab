# A88 (docs/patchguard.md): an unsigned driver, loaded under testsigning,
# writes its own base and size into the vendor API's table of signed
# images (found by a scan of kernel data for vendor_sample's entry) and
# at once registers a handle filter, which only signed drivers may.
# Expected: bug check 0x109, region type 0x18 (the table is sealed; the
# lookup verifies the seal), at the registration.
scenario "a88_signed_images" {
  description = "A88: an unsigned driver writes itself into the signed images, then registers a filter"
  append      = "pg.profile=test testsigning"
  max_time    = "1s"
  requires    = ["driver:attack_a88_unsigned"]

  step {
    at     = "30ms"
    load   = "attack_a88_unsigned"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a88: written in as a signed image"
  }
}

scenario "a88_signed_images_fast" {
  description = "A88 in the fast profile"
  append      = "pg.profile=fast testsigning"
  max_time    = "8s"
  requires    = ["driver:attack_a88_unsigned"]

  step {
    at     = "5s"
    load   = "attack_a88_unsigned"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "2s"
  }
}
