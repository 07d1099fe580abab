# A50 (docs/patchguard.md): clear PatchGuard's live flag, silence the NMI watchdog (its armed flag, or its I/O APIC entry), cancel its timer, hook getpid.
# Expected: bug check 0x109, region type 0x101 or 0xa, within the test profile's bound.
scenario "a50_freeze_flags" {
  description = "A50: clear PatchGuard's live and armed flags, cancel its timer, hook getpid"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a50_freeze"]

  step {
    at     = "30ms"
    load   = "attack_a50_freeze"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a50: PatchGuard's live and armed flags cleared, its timer cancelled, getpid hooked"
  }
}

# The NMI silenced at the I/O APIC instead of by its flag.
scenario "a50_freeze_nmi_masked" {
  description = "A50: clear PatchGuard's live flag, mask the NMI's I/O APIC entry, cancel its timer, hook getpid"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a50_freeze"]

  step {
    at     = "30ms"
    load   = "attack_a50_freeze nmi"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a50: PatchGuard's live flag cleared, the NMI's I/O APIC entry masked, its timer cancelled, getpid hooked"
  }
}
