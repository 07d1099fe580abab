# A15 (docs/patchguard.md): find and cancel PatchGuard's timer; the piggy-back path notices the missed heartbeat.
# Expected: bug check 0x109, region type 0x101.
scenario "a15_cancel_timer" {
  description = "A15: find and cancel PatchGuard's timer; the piggy-back path notices the missed heartbeat"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a15"]

  step {
    at   = "30ms"
    load = "attack_a15"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "3s"
  }
  expect {
    serial = "attack_a15: walked the timer queue, cancelled \\d+ one-shot kernel timer"
  }
}
