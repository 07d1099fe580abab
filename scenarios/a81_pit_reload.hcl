# A81 (docs/patchguard.md): PIT channel 0's reload count changed by a small
# factor, its mode left alone: doubled (the watchdog and the NMI at half
# rate; in the test profile, whose PIT runs at 72.8 Hz) or halved.
# Expected: bug check 0x109, region type 0x17, within the test profile's bound.

scenario "a81_pit_slow" {
  description = "A81: PIT channel 0's count doubled"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a81_pit_reload"]

  step {
    at     = "30ms"
    load   = "attack_a81_pit_reload"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a81: PIT channel 0's count doubled"
  }
}

scenario "a81_pit_fast" {
  description = "A81: PIT channel 0's count halved"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a81_pit_reload"]

  step {
    at     = "30ms"
    load   = "attack_a81_pit_reload fast"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a81: PIT channel 0's count halved"
  }
}

# In the fast profile the channel's count is already its largest (65536):
# only a shorter one is left to the attacker.
scenario "a81_pit_fast_profile" {
  description = "A81: PIT channel 0's count halved, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a81_pit_reload"]

  step {
    at     = "5s"
    load   = "attack_a81_pit_reload fast"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "2s"
  }
  expect {
    serial = "attack_a81: PIT channel 0's count halved"
  }
}
