# A36 (docs/patchguard.md): replace the watchdog's handler in the PIC-line table behind the IDT.
# Expected: bug check 0x109, region type 0x9|0x101, within the test profile's bound.
scenario "a36_irq_handler_table" {
  description = "A36: replace the watchdog's handler in the PIC-line table behind the IDT"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a36_irq_table"]

  step {
    at     = "30ms"
    load   = "attack_a36_irq_table"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x9|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a36: IRQ 0 handler replaced behind the IDT"
  }
}
