# A35 (docs/patchguard.md): reprogram PIT channel 0 (the watchdog) to one-shot.
# Expected: bug check 0x109, region type 0x101|0x17, within the test profile's bound.
scenario "a35_pit_oneshot" {
  description = "A35: reprogram PIT channel 0 (the watchdog) to one-shot"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a35_pit"]

  step {
    at     = "30ms"
    load   = "attack_a35_pit"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a35: PIT channel 0 set to one\\-shot"
  }
}
