# A75 (docs/patchguard.md): PatchGuard's "stop path begun" flag set with
# interrupts enabled (the NMI's instruction-fetch probe and its watchdog
# checks stand aside while a stop path runs), then A59's TLB split of
# getpid's text page, renewed on every tick, which only the probe sees.
# Expected: bug check 0x109, region type 0x101 (no stop path runs with
# interrupts enabled, so a tick or an NMI over such code that finds the
# flag set reports it), within each profile's bound.
scenario "a75_stand_aside" {
  description = "A75: PatchGuard's stopping flag set with interrupts on, then A59's TLB split"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a75_stand_aside", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a75_stand_aside"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a59: getpid's text page split"
  }
}

scenario "a75_stand_aside_fast" {
  description = "A75 in the fast profile"
  max_time    = "20s"
  requires    = ["driver:attack_a75_stand_aside", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a75_stand_aside"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}
