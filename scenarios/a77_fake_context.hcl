# A77 (docs/patchguard.md): PatchGuard's "open context" pointer set to a
# driver's context (its own stop routine) with the "busy" flag, then
# module_find patched and a spin for ever with interrupts masked, where
# only the NMI runs.
# Expected: bug check 0x109 (region type 0x1 or 0x101) with PatchGuard's
# stop screen, within the test profile's bound.
scenario "a77_fake_context" {
  description = "A77: PatchGuard's open context pointed at a driver's (its stop routine), then A49's spin"
  append      = "pg.profile=test"
  max_time    = "2s"
  requires    = ["driver:attack_a77_fake_context"]

  step {
    at     = "30ms"
    load   = "attack_a77_fake_context"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x101"
    within      = "150ms"
  }
  expect {
    serial = "\\*\\*\\* STOP: 0x00000109"
  }
}

scenario "a77_fake_context_fast" {
  description = "A77 in the fast profile"
  max_time    = "30s"
  requires    = ["driver:attack_a77_fake_context"]

  step {
    at     = "5s"
    load   = "attack_a77_fake_context"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x101"
    within      = "16s"
  }
}
