# A40 (docs/patchguard.md): move the TSS I/O-permission map inside the TSS (ports for ring 3).
# Expected: bug check 0x109, region type 0x112, within the test profile's bound.
scenario "a40_tss_iomap" {
  description = "A40: move the TSS I/O-permission map inside the TSS (ports for ring 3)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a40_tss_iomap"]

  step {
    at     = "30ms"
    load   = "attack_a40_tss_iomap"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a40: TSS I/O\\-permission map moved inside the TSS"
  }
}
