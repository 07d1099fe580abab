# A51 (docs/patchguard.md): mark PatchGuard's DPCs queued, push its countdown, deadline and NMI idle limit, hook getpid.
# Expected: bug check 0x109, region type 0x101 or 0xa, within the test profile's bound.
scenario "a51_dpc_queued" {
  description = "A51: mark PatchGuard's DPCs queued, push its countdown, deadline and NMI idle limit, hook getpid"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a51_dpc_queued"]

  step {
    at     = "30ms"
    load   = "attack_a51_dpc_queued"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a51: PatchGuard's DPCs marked queued, countdown, deadline and idle limit pushed, getpid hooked"
  }
}
