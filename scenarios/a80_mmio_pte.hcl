# A80 (docs/patchguard.md): the PTE of an interrupt controller's register
# page pointed at RAM holding fake register values. By default the I/O
# APIC's: the PIT's NMI entry masked behind a RAM page that reads as the
# entry as armed, the NMI's heartbeat kept fresh; with `lapic`, the local
# APIC's: a RAM copy of its registers, the timer's divide doubled behind it.
# Expected: bug check 0x109, region type 0x111, within the test profile's bound.

scenario "a80_ioapic_pte" {
  description = "A80: the I/O APIC's page mapped to RAM reading as the NMI entry, the real entry masked"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a80_mmio_pte"]

  step {
    at     = "30ms"
    load   = "attack_a80_mmio_pte"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a80: the PIT's I/O APIC entry masked; its mapping points at RAM that reads as the NMI entry"
  }
}

scenario "a80_lapic_pte" {
  description = "A80: the local APIC's page mapped to a RAM copy of its registers, the timer's divide doubled"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a80_mmio_pte"]

  step {
    at     = "30ms"
    load   = "attack_a80_mmio_pte lapic"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a80: the local APIC's mapping points at a RAM copy of its registers"
  }
}
