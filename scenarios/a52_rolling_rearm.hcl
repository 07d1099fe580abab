# A52 (docs/patchguard.md): re-arm PatchGuard's timer ahead on every tick, switch off random passes and the piggy-back, hook getpid.
# Expected: bug check 0x109, region type 0x101 or 0xa, within the test profile's bound.
scenario "a52_rolling_rearm" {
  description = "A52: re-arm PatchGuard's timer ahead on every tick, switch off random passes and the piggy-back, hook getpid"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a52_rolling"]

  step {
    at     = "30ms"
    load   = "attack_a52_rolling"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a52: PatchGuard's timer rolled ahead on every tick, random passes and piggy-back off, getpid hooked"
  }
}
