# A135 (docs/patchguard.md): A131's `move_pte` that keeps the tick: the
# local APIC's registers copied into a RAM page, IA32_APIC_BASE and the
# kernel's mapping of the APIC both pointed at it, the real timer's divide
# configuration doubled behind it, and the EOI written to the real
# registers (0xFEE00000, which kppemu and QEMU 7.2 keep decoding) through
# a mapping of the driver's own from a timer on every tick.
# Expected: bug check 0x109, region type 0x7 (IA32_APIC_BASE, a constant
# record the watchdog compares), within each profile's bound.

scenario "a135_apic_eoi" {
  description = "A135: the APIC moved to a RAM copy with its mapping, EOI to the real one"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a135_apic_eoi"]

  step {
    at     = "30ms"
    load   = "attack_a135_apic_eoi"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a135: the APIC moved to a RAM copy with its mapping, divide doubled, EOI to the real one"
  }
}

scenario "a135_apic_eoi_fast" {
  description = "A135: the APIC moved with its mapping, EOI to the real one, fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  requires    = ["driver:attack_a135_apic_eoi"]

  step {
    at     = "5s"
    load   = "attack_a135_apic_eoi"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "16s"
  }
  expect {
    serial = "attack_a135: the APIC moved to a RAM copy with its mapping, divide doubled, EOI to the real one"
  }
}

# In the windows profile the watchdog's checks run on about one NMI in 32.
scenario "a135_apic_eoi_windows" {
  from        = "a135_apic_eoi.hcl#a135_apic_eoi_fast"
  description = "A135 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
