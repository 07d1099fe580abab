# A31 (docs/patchguard.md): mask the watchdog's interrupt (IRQ 0) at the PIC.
# Expected: bug check 0x109, region type 0x17|0x101, within the test profile's bound.
scenario "a31_pic_mask" {
  description = "A31: mask the watchdog's interrupt (IRQ 0) at the PIC"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a31_pic_mask"]

  step {
    at     = "30ms"
    load   = "attack_a31_pic_mask"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a31: IRQ 0 masked at the PIC"
  }
}
