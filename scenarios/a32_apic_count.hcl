# A32 (docs/patchguard.md): slow the tick 100 times (local-APIC initial count).
# Expected: bug check 0x109, region type 0x17, within the test profile's bound.
scenario "a32_apic_count" {
  description = "A32: slow the tick 100 times (local-APIC initial count)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a32_apic_count"]

  step {
    at     = "30ms"
    load   = "attack_a32_apic_count"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a32: local APIC timer initial count multiplied by 100"
  }
}
