# A16 (docs/patchguard.md): mask the local APIC timer (LVT mask).
# Expected: bug check 0x109, region type 0x17|0x101.
scenario "a16_mask_tick" {
  description = "A16: mask the local APIC timer (LVT mask)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a16"]

  step {
    at   = "30ms"
    load = "attack_a16"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "3s"
  }
  expect {
    serial = "attack_a16: local APIC timer masked"
  }
}
