# A23 campaign (docs/patchguard.md): 1,000 random (seed, region, offset, bit)
# flips across every announced memory region type, test profile. Not part
# of `make test` (scenarios/a23_random_flip.hcl runs a 200-flip sample);
# run with `kppemu run scenarios/campaign/a23_full.hcl`.
scenario "a23_full" {
  description = "A23: 1,000 random bit flips in protected regions (test profile)"
  append      = "pg.profile=test"
  seeds       = "1..1000"
  step {
    after  = "pg-armed + 5ms"
    jitter = "20ms"
    attack = true
    flip { region_type = "any" }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "flipped|0x101"
    within      = "100ms"
    crash_ok    = true
  }
}

# The same in the default (fast) profile, whose bound is about 16 s.
scenario "a23_fast_profile" {
  description = "A23: 200 random byte flips in protected regions (fast profile)"
  append      = "pg.profile=fast"
  seeds       = "1001..1200"
  step {
    after  = "pg-armed + 1s"
    jitter = "3s"
    attack = true
    flip {
      region_type = "any"
      mode        = "byte"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "flipped|0x101"
    within      = "20s"
    crash_ok    = true
  }
}
