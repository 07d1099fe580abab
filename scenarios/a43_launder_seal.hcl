# A43 (docs/patchguard.md): write a notify entry directly, then re-seal it through one legitimate registration.
# Expected: bug check 0x109, region type 0x18, within the test profile's bound.
scenario "a43_launder_seal" {
  description = "A43: write a notify entry directly, then re-seal it through one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a43_launder"]

  step {
    at     = "30ms"
    load   = "attack_a43_launder"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a43: notify array entry redirected, re\\-sealing through the API"
  }
}
