# A4 (docs/patchguard.md): replace an IDT gate (#PF) with a driver stub.
# Expected: bug check 0x109, region type 0x2, within the test profile's bound.
scenario "a04_idt_gate" {
  description = "A4: replace an IDT gate (#PF) with a driver stub"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a4"]

  step {
    at   = "30ms"
    load = "attack_a4"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x2"
    within      = "150ms"
  }
  expect {
    serial = "attack_a4: IDT gate 14 now enters the driver"
  }
}
