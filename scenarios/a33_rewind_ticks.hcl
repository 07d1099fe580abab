# A33 (docs/patchguard.md): rewind the tick count (and PatchGuard's last-seen tick) on every tick.
# Expected: bug check 0x109, region type 0x101|0x17, within the test profile's bound.
scenario "a33_rewind_ticks" {
  description = "A33: rewind the tick count (and PatchGuard's last-seen tick) on every tick"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a33_rewind"]

  step {
    at     = "30ms"
    load   = "attack_a33_rewind"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "200ms"
  }
  expect {
    serial = "attack_a33: the tick count is rewound on every tick"
  }
}
