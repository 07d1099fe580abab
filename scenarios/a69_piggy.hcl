# A69 (docs/patchguard.md): the piggy-back trigger starved (the
# housekeeping DPC's routine replaced, as A30) with PatchGuard's plain
# record of that routine set to the same one and the piggy-back's
# heartbeat kept fresh, so the tick hook's comparison holds. No payload.
# Expected: bug check 0x109, region type 0x101, within the test profile's
# bound (before: no bug check).
scenario "a69_piggy" {
  description = "A69: the piggy-back starved, PatchGuard's record of the housekeeping routine rewritten to match"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a69_piggy"]

  step {
    at     = "30ms"
    load   = "attack_a69_piggy"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a69: housekeeping DPC routine and PatchGuard's record of it replaced, piggy-back heartbeat kept"
  }
}
