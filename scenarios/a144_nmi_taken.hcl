# A144 (docs/patchguard.md): the stop path's "NMIs already blocked" flag set beforehand,
# then A140. Before its first line PatchGuard's stop path blocks NMIs (an IDT of its
# own, a self-NMI whose handler sets `pg_stop_nmi_taken` and returns without IRET), and
# skipped the block when that byte was set already. attack_a144_nmi_taken finds the
# byte through the handler's code (a scan of kernel text) and sets it; then
# attack_a140_nmi_stop points the NMI gate at a stub that halts once PatchGuard's stop
# path has begun and sets PIT channel 0 to a reload of 10 counts (an NMI every 8.4 us).
# Before: no bug check (the report cut off mid-line, no stop screen, no event), seeds
# 1-3 in `test` and `fast`.
# Expected: bug check 0x109 with its stop screen (the detection clears the flag before
# the block: only the block itself sets it), within each profile's bound.
scenario "a144_nmi_taken" {
  description = "A144: the stop path's NMI-taken flag set, then A140's NMI gate (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a144_nmi_taken", "driver:attack_a140_nmi_stop"]

  step {
    at     = "30ms"
    load   = "attack_a144_nmi_taken"
    attack = true
  }
  step {
    at   = "32ms"
    load = "attack_a140_nmi_stop"
  }

  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
  expect {
    serial = "attack_a144: the stop path's NMI-taken flag set, its NMI block looks done"
  }
  expect {
    serial = "system halted"
  }
}

scenario "a144_nmi_taken_fast" {
  from        = "a144_nmi_taken.hcl#a144_nmi_taken"
  description = "A144 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

scenario "a144_nmi_taken_windows" {
  from        = "a144_nmi_taken.hcl#a144_nmi_taken"
  description = "A144 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
