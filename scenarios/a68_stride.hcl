# A68 (docs/patchguard.md): the tick hook's full checks starved through
# PatchGuard's plain stride (pg.stride_mask set to 2^40 ticks), its timer
# cancelled and module_find hooked: no random pass is drawn and nothing
# that watches the timer on every tick runs.
# Expected: bug check 0x109, region type 0x1 or 0x101, within the test
# profile's bound (before: 0x101 from the NMI's missed passes, 284 ms).
scenario "a68_stride" {
  description = "A68: the tick hook's stride set to 2^40 ticks, PatchGuard's timer cancelled, module_find hooked"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a68_stride"]

  step {
    at     = "30ms"
    load   = "attack_a68_stride"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a68: tick hook's stride set to 2\\^40 ticks, PatchGuard's timer cancelled, module_find hooked"
  }
}
