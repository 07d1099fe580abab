# A18 (docs/patchguard.md): scan pool for the checker's context and overwrite it.
# Expected: bug check 0x109, region type 0x101.
scenario "a18_wipe_context" {
  description = "A18: scan pool for the checker's context and overwrite it"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a18"]

  step {
    at   = "30ms"
    load = "attack_a18"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "3s"
  }
  expect {
    serial = "attack_a18: scanned pool, wip"
  }
}
