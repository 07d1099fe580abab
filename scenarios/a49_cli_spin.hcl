# A49 (docs/patchguard.md): patch, then keep the processor with interrupts masked
# for ever: no tick, timer, DPC or maskable watchdog runs again; only the NMI
# watchdog (PIT channel 0 routed as NMI through the I/O APIC) does.
# Expected: bug check 0x109, region type 0x1, within the test profile's bound.
scenario "a49_cli_spin" {
  description = "A49: interrupts off, inline hook, spin for ever with IF=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a49: interrupts off, module_find patched, spinning"
  }
}

# The same with HLT instead of the spin: the processor sleeps with IF=0, and
# only the NMI watchdog's NMI wakes it (as on a real processor or QEMU).
scenario "a49_cli_halt" {
  description = "A49: interrupts off, inline hook, halt for ever with IF=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin halt"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a49: interrupts off, module_find patched, halting"
  }
}

# The console lock's release removed: the next printk spins in the lock's
# acquire loop with interrupts disabled; the report does not need the lock.
scenario "a49_console_lock" {
  description = "A49: the console lock's release patched out, the next printk spins with IF=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin lock"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a49: console lock held\\r?\\n(.*\\n)*\\*\\*\\* PatchGuard: function modification \\(region type 0x1\\)"
  }
  expect {
    serial = "\\*\\*\\* STOP: 0x00000109 .*\\n\\*\\*\\* CRITICAL_STRUCTURE_CORRUPTION\\n\\*\\*\\* system halted"
  }
}

# Silencing the NMI watchdog: its I/O APIC redirection entry masked.
scenario "a49_nmi_mask" {
  description = "A49: the NMI watchdog's I/O APIC entry masked"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin mask"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a49: the PIT's I/O APIC entry masked"
  }
}
