# A27 (docs/patchguard.md): re-arm PatchGuard's timer an hour out and push its pass deadline.
# Expected: bug check 0x109, region type 0x101, within the test profile's bound.
scenario "a27_rearm_timer" {
  description = "A27: re-arm PatchGuard's timer an hour out and push its pass deadline"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a27_rearm"]

  step {
    at     = "30ms"
    load   = "attack_a27_rearm"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a27: PatchGuard's timer re\\-armed an hour out, deadline pushed"
  }
}
