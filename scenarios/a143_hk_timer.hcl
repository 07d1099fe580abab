# A143 (docs/patchguard.md): the housekeeping timer PatchGuard's piggy-back rides on
# stopped or delayed, its object, routine and period left as armed:
# attack_a143_hk_timer finds the kernel's periodic 1 s timer whose DPC lies in
# kernel text (as attack_a15 finds PatchGuard's) and cancels it (`later`: re-arms
# it an hour out with its period still 1 s) with the exported timer API.
# Before: 0x101 from the piggy-back's heartbeat after 1.25 s (test, past its 150 ms
# bound).
# Expected: bug check 0x109, region type 0x101 (the tick hook requires the
# housekeeping timer armed, queued or running, and due within its period), within
# each profile's bound.
scenario "a143_hk_cancel" {
  description = "A143: the housekeeping timer cancelled (test profile)"
  append      = "pg.profile=test"
  max_time    = "2s"
  requires    = ["driver:attack_a143_hk_timer"]

  step {
    at     = "30ms"
    load   = "attack_a143_hk_timer"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a143: the housekeeping timer cancelled"
  }
}

scenario "a143_hk_later" {
  description = "A143: the housekeeping timer re-armed an hour out, period kept (test profile)"
  append      = "pg.profile=test"
  max_time    = "2s"
  requires    = ["driver:attack_a143_hk_timer"]

  step {
    at     = "30ms"
    load   = "attack_a143_hk_timer later"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a143: the housekeeping timer re-armed an hour out"
  }
}

scenario "a143_hk_later_fast" {
  from        = "a143_hk_timer.hcl#a143_hk_later"
  description = "A143 (later) in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}
