# A62 (docs/patchguard.md): the tick held back without a register changed: attack_a62_dilate restarts the local-APIC timer's count with the value it already holds just before it runs out. With `tsc`: a stretch of 40 and the TSC held back by WRMSR; with `pit`: PIT channel 0 (the watchdog and the NMI) held the same way instead. The stretch below PatchGuard's tolerance (6, and the tick with PIT channel 0 together) is by design: campaign/by_design_dilate.hcl.
# Expected: bug check 0x109, region type 0x101 or 0x17 (`tsc`: 0x7 since A130, the TSC held to the PM timer), within the test profile's bound.

scenario "a62_dilate_tsc" {
  description = "A62: the tick stretched by 40 and the TSC held back with WRMSR"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a62_dilate"]

  step {
    at     = "30ms"
    load   = "attack_a62_dilate tsc"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17|0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a62: tick stretched by 40, TSC held back"
  }
}

scenario "a62_dilate_pit" {
  description = "A62: PIT channel 0 (the watchdog and the NMI) held by restarting its count"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a62_dilate"]

  step {
    at     = "30ms"
    load   = "attack_a62_dilate pit"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a62: PIT channel 0 held while the tick runs"
  }
}
