# A19 (docs/patchguard.md): patch, use, restore between passes (timing race).
# By design detected only with some probability: these scenarios measure it
# against the patch duration (the campaign table groups runs by duration).
# Every run passes unless a bug check of another kind comes; `kppemu run
# --repeat 100 scenarios/a19_race.hcl` gives a finer estimate.

# Host-side: the poke of a service-table entry is undone after
# restore_after; one variant per duration, ten seeds each.
scenario "a19_race_host" {
  description = "A19: service-table entry patched then restored, detection probability vs duration"
  append      = "pg.profile=test"
  seeds       = "1..10"

  step {
    after  = "pg-armed + 30ms"
    jitter = "20ms"
    attack = true
    poke {
      symbol        = "service_table"
      offset        = 40
      xor           = "0x80"
      size          = 1
      restore_after = ["200us", "1ms", "5ms", "20ms"]
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "200ms"
    measure     = true
  }
}

# Driver-side: attack_a19 patches for MS milliseconds, then restores.
scenario "a19_race_driver_1ms" {
  description = "A19: attack_a19 keeps its patch for 1 ms"
  append      = "pg.profile=test"
  seeds       = "1..8"
  requires    = ["driver:attack_a19"]
  step {
    at     = "40ms"
    jitter = "20ms"
    load   = "attack_a19 1"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "200ms"
    measure     = true
  }
}

scenario "a19_race_driver_10ms" {
  description = "A19: attack_a19 keeps its patch for 10 ms"
  append      = "pg.profile=test"
  seeds       = "1..8"
  requires    = ["driver:attack_a19"]
  step {
    at     = "40ms"
    jitter = "20ms"
    load   = "attack_a19 10"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "200ms"
    measure     = true
  }
}
