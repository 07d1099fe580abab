# A115 (docs/patchguard.md): debug-register breakpoints armed by a driver,
# no byte of memory patched. `stop`: execution breakpoints (DR0, DR1) on the
# kernel's bug-check and debug-trap routines, read from the exported
# debug_routines, dormant until something stops. `swallow`: the same with
# DR2 on PatchGuard's report (pg_report, whose address the scenario writes
# into the driver from the built image, with printk's, from which it takes
# the kernel's random base), then A2's inline hook of module_find. `watch`:
# a read/write breakpoint on the system service table, which passes hash.
# Before: `stop` no bug check in 1 s (test) and 30 s (fast); `swallow` the
# detection's report took a #DB; `watch` 0x1E at a pass's first read of the
# table. Expected: bug check 0x109, region type 0x15 (DR7 is compared as a
# control register: the kernel sets no breakpoint), within the bound.
scenario "a115_debug_regs" {
  description = "A115: dormant breakpoints in DR0/DR1 on the kernel's stop path"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a115_debug_regs"]

  step {
    at     = "30ms"
    load   = "attack_a115_debug_regs"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a115: execution breakpoints on the kernel's stop and debug-trap routines"
  }
}

scenario "a115_debug_regs_fast" {
  from        = "a115_debug_regs.hcl#a115_debug_regs"
  description = "A115: dormant breakpoints in DR0/DR1 on the kernel's stop path (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a115_debug_swallow" {
  description = "A115: breakpoints on PatchGuard's report and the stop path, then an inline hook"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a115_debug_regs", "symbol:pg_report"]

  step {
    at   = "30ms"
    load = "attack_a115_debug_regs swallow"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a115_debug_regs!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at     = "41ms"
    attack = true
    poke {
      symbol = "attack_a115_debug_regs!report_at"
      value  = "pg_report"
      size   = 8
    }
  }

  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
  expect {
    serial = "attack_a115: breakpoints on the stop path and PatchGuard's report, then module_find hooked"
  }
}

scenario "a115_debug_watch" {
  description = "A115: a read/write breakpoint in DR3 on the system service table"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a115_debug_regs"]

  step {
    at     = "30ms"
    load   = "attack_a115_debug_regs watch"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a115: a read/write breakpoint on the system service table"
  }
}
