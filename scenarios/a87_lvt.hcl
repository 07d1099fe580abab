# A87 (docs/patchguard.md): the local APIC's other local interrupt entries
# rewritten through the kernel's own mapping: LINT1 (the NMI pin) masked
# or turned into a fixed interrupt at vector 0x80, the error entry masked,
# the performance-counter or thermal entry unmasked with NMI delivery.
# Expected: bug check 0x109, region type 0x17 (local APIC), within the
# test profile's bound (the watchdog compares every entry on every
# interrupt).

scenario "a87_lint1" {
  description = "A87: LINT1 (the NMI pin) masked"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt lint1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(lint1\\)"
  }
}

scenario "a87_lint1_fixed" {
  description = "A87: LINT1 turned into a fixed interrupt at vector 0x80"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt lint1_fixed"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(lint1_fixed\\)"
  }
}

scenario "a87_error" {
  description = "A87: the APIC error entry masked"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt error"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(error\\)"
  }
}

scenario "a87_perf" {
  description = "A87: the performance-counter entry unmasked with NMI delivery"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt perf"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(perf\\)"
  }
}

scenario "a87_thermal" {
  description = "A87: the thermal entry unmasked with NMI delivery"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt thermal"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(thermal\\)"
  }
}

scenario "a87_lint1_fast" {
  description = "A87: LINT1 masked, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "5s"
    load   = "attack_a87_lvt lint1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "2s"
  }
}
