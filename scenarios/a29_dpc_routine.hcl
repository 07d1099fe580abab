# A29 (docs/patchguard.md): point PatchGuard's DPC object at a routine that returns at once.
# Expected: bug check 0x109, region type 0x101, within the test profile's bound.
scenario "a29_dpc_routine" {
  description = "A29: point PatchGuard's DPC object at a routine that returns at once"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a29_dpc_routine"]

  step {
    at     = "30ms"
    load   = "attack_a29_dpc_routine"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a29: PatchGuard's DPC routine now returns at once"
  }
}
