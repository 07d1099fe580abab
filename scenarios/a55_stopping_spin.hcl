# A55 (docs/patchguard.md): set PatchGuard's "stop path begun" flag, then patch and spin with interrupts masked (as A49).
# Expected: bug check 0x109, region type 0x1, within the test profile's bound.
scenario "a55_stopping_spin" {
  description = "A55: PatchGuard's stopping flag set, interrupts off, inline hook, spin for ever with IF=0"
  append      = "pg.profile=test"
  max_time    = "2s"
  requires    = ["driver:attack_a55_stopping_spin"]

  step {
    at     = "30ms"
    load   = "attack_a55_stopping_spin"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a55: PatchGuard's stopping flag set, interrupts off, module_find patched, spinning"
  }
}
