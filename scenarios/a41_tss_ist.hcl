# A41 (docs/patchguard.md): point the double-fault IST stack into the driver.
# Expected: bug check 0x109, region type 0x112, within the test profile's bound.
scenario "a41_tss_ist" {
  description = "A41: point the double-fault IST stack into the driver"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a41_tss_ist"]

  step {
    at     = "30ms"
    load   = "attack_a41_tss_ist"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a41: TSS IST1 points into the driver"
  }
}
