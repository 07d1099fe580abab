# A63 (docs/patchguard.md): the per-CPU block moved: attack_a63_percpu writes the address of its own copy of the block into IA32_GS_BASE (every system call's entry then takes its stack pointer from the driver's memory); with `kgs`, into IA32_KERNEL_GS_BASE.
# Expected: bug check 0x109, region type 0x7 (critical MSR; for the GS base, 0x112 on most seeds since
# A85: the return to ring 3's test of the RFLAGS it restores fails first), within the test profile's bound.

scenario "a63_percpu_gs" {
  description = "A63: the per-CPU block moved to the driver through IA32_GS_BASE"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a63_percpu", "program:svc"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at     = "40ms"
    load   = "attack_a63_percpu"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7|0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a63: the per-CPU block moved to the driver \\(GS base\\)"
  }
}

scenario "a63_percpu_kgs" {
  description = "A63: the program's GS base (IA32_KERNEL_GS_BASE) pointed at the driver's copy of the per-CPU block"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a63_percpu"]

  step {
    at     = "30ms"
    load   = "attack_a63_percpu kgs"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a63: the program's GS base points at the driver's copy of the per-CPU block"
  }
}
