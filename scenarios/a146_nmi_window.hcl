# A146 (docs/patchguard.md): A140's NMI gate aimed at the window before the stop path's
# NMI block. A detection outside a pass (pg_fail: the tick hook, the watchdog) opened a
# context and put the stop path back from the context's copy before the report blocked
# NMIs. attack_a146_nmi_window gets the built image's addresses of pg_fail, of the
# routine after it and of the stop section's bounds (with printk's, for the kernel's
# random base) from the host, then points the NMI gate at a stub that chains to the
# kernel's NMI once per tick and halts with NMIs blocked (no IRET) when the stop path has
# begun or the NMI interrupted pg_fail, the routine it calls just below it (its copy of
# the byte repair) or the stop section, and sets PIT channel 0 to a reload of 10 (an NMI
# every 8.4 us): whatever PatchGuard sees first (the reload, the gate) is reported
# through pg_fail in `fast` and `windows`.
# Before: no bug check on seeds 1-4 in `fast` (the machine halted 66 ms after the attack,
# before the report's first line).
# Expected: bug check 0x109 with its stop screen (every detection blocks NMIs first,
# inline, before it opens a context or repairs the stop path), within each profile's
# bound.
scenario "a146_nmi_window" {
  description = "A146: an NMI gate that halts inside a detection before its NMI block (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a146_nmi_window", "symbol:pg_fail", "symbol:tick_state_tag", "symbol:__pg_stop_start"]
  step {
    at   = "30ms"
    load = "attack_a146_nmi_window"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a146_nmi_window!pg_fail_end_at"
      value  = "tick_state_tag"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a146_nmi_window!stop_lo_at"
      value  = "__pg_stop_start"
      size   = 8
    }
  }
  step {
    at = "42ms"
    poke {
      symbol = "attack_a146_nmi_window!stop_hi_at"
      value  = "__pg_stop_end"
      size   = 8
    }
  }
  step {
    at = "43ms"
    poke {
      symbol = "attack_a146_nmi_window!pg_fail_at"
      value  = "pg_fail"
      size   = 8
    }
  }
  step {
    at     = "44ms"
    attack = true
    poke {
      symbol = "attack_a146_nmi_window!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
  expect {
    serial = "attack_a146: the NMI gate halts inside pg_fail and the stop section, and once the stop path has begun"
  }
  expect {
    serial = "system halted"
  }
}

scenario "a146_nmi_window_fast" {
  from        = "a146_nmi_window.hcl#a146_nmi_window"
  description = "A146 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
  shift_steps = "970ms"
}

scenario "a146_nmi_window_windows" {
  from        = "a146_nmi_window.hcl#a146_nmi_window"
  description = "A146 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
  shift_steps = "970ms"
}
