# A131 (docs/patchguard.md): the local APIC moved through IA32_APIC_BASE
# (kppemu and QEMU 7.2 keep its register window at 0xFEE00000), with the
# kernel's mapping of it pointed at a RAM copy of its registers too, or
# disabled there. (x2APIC mode needs kppemu's --cpu-feature x2apic, which
# a scenario cannot ask for: tested by hand.)
# Expected: bug check 0x109, type 0x111 or 0x17 (with the mapping moved:
# 0x7, IA32_APIC_BASE against its armed value, since A135; before, the
# kernel's EOIs went to the RAM copy and the tick stopped: 0x101 from the
# watchdog's stall count), within the bound.

scenario "a131_apic_move" {
  description = "A131: IA32_APIC_BASE moved to a RAM copy of the registers"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a131_apic_base"]

  step {
    at     = "30ms"
    load   = "attack_a131_apic_base move"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7|0x111|0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a131: IA32_APIC_BASE moved to a RAM copy of the registers"
  }
}

scenario "a131_apic_move_pte" {
  description = "A131: IA32_APIC_BASE and the APIC's mapping moved to a RAM copy"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a131_apic_base"]

  step {
    at     = "30ms"
    load   = "attack_a131_apic_base move_pte"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7|0x111|0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a131: IA32_APIC_BASE and the APIC's mapping moved to a RAM copy, divide doubled"
  }
}

scenario "a131_apic_disable" {
  description = "A131: the local APIC disabled in IA32_APIC_BASE"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a131_apic_base"]

  step {
    at     = "30ms"
    load   = "attack_a131_apic_base disable"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a131: the local APIC disabled in IA32_APIC_BASE"
  }
}

scenario "a131_apic_move_pte_fast" {
  description = "A131: IA32_APIC_BASE and mapping moved, fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  requires    = ["driver:attack_a131_apic_base"]

  step {
    at     = "5s"
    load   = "attack_a131_apic_base move_pte"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7|0x111|0x17|0x101"
    within      = "16s"
  }
  expect {
    serial = "attack_a131: IA32_APIC_BASE and the APIC's mapping moved to a RAM copy, divide doubled"
  }
}
