# A37 (docs/patchguard.md): replace the local-APIC timer's handler behind the IDT (time at half speed).
# Expected: bug check 0x109, region type 0x9, within the test profile's bound.
scenario "a37_tick_handler" {
  description = "A37: replace the local-APIC timer's handler behind the IDT (time at half speed)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a37_tick_handler"]

  step {
    at     = "30ms"
    load   = "attack_a37_tick_handler"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x9"
    within      = "150ms"
  }
  expect {
    serial = "attack_a37: local\\-APIC timer handler replaced behind the IDT"
  }
}
