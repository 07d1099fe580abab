# A17 (docs/patchguard.md): patch PatchGuard's own check routine to return at once.
# Expected: bug check 0x109, region type 0x1|0x101.
scenario "a17_patch_checker" {
  description = "A17: patch PatchGuard's own check routine to return at once"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a17"]

  step {
    at   = "30ms"
    load = "attack_a17"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x101"
    within      = "3s"
  }
  expect {
    serial = "attack_a17: DPC routine at kernel\\+0x[0-9a-f]+ now returns at once"
  }
}
