# A140 (docs/patchguard.md): the NMI swallows the stop path. attack_a140_nmi_stop
# points the NMI's IDT gate at a stub of its own that chains to the kernel's NMI
# entry (one NMI per tick, the others return at once) until PatchGuard's "stop path
# begun" flag is set, then halts with NMIs blocked (no IRET), and sets PIT channel 0
# (the NMI watchdog's edge) to a reload of 10 counts, an NMI every 8.4 us: the stop
# path masks interrupts, not NMIs, and one landed in it.
# Before: no bug check (the stop screen cut off mid-line, no event), seeds 1-3.
# Expected: bug check 0x109 with its stop screen (the stop path blocks NMIs first:
# an IDT of its own, a self-NMI whose handler returns without IRET), within each
# profile's bound.
scenario "a140_nmi_stop" {
  description = "A140: an NMI gate that halts inside PatchGuard's stop path (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a140_nmi_stop"]

  step {
    at     = "30ms"
    load   = "attack_a140_nmi_stop"
    attack = true
  }

  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
  expect {
    serial = "attack_a140: the NMI gate halts once PatchGuard's stop path has begun"
  }
  expect {
    serial = "system halted"
  }
}

scenario "a140_nmi_stop_fast" {
  from        = "a140_nmi_stop.hcl#a140_nmi_stop"
  description = "A140 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}
