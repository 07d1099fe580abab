# A100 (docs/patchguard.md): the kernel data that decides how it uses the processor's
# protections, written after boot. attack_a100_cpu_flags clears `smap_enabled` (found in
# the common interrupt entry's first instruction, reached from an IDT gate's stub), so a
# trap taken inside copy_user's STAC window runs its handler with RFLAGS.AC set (SMAP
# off); with `fxsr`, cpu_features.fxsr (the structure found by the processor's vendor
# string), so threads created afterwards get no FPU save area and their x87/SSE registers
# pass between processes; with `smap_copy`, cpu_features.smap (copy_user stops setting
# AC: every system call with a user buffer fails). Before: no bug check. Expected: bug
# check 0x109, region type 0x0 (both are hashed regions since A100), within each
# profile's bound.
scenario "a100_smap_enabled" {
  description = "A100: smap_enabled cleared (trap entry no longer clears RFLAGS.AC)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a100_cpu_flags"]

  step {
    at     = "30ms"
    load   = "attack_a100_cpu_flags smap"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x0"
    within      = "150ms"
  }
  expect {
    serial = "attack_a100: kernel flag cleared \\(smap\\)"
  }
}

scenario "a100_fxsr" {
  description = "A100: cpu_features.fxsr cleared (new threads' FPU state not switched)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a100_cpu_flags"]

  step {
    at     = "30ms"
    load   = "attack_a100_cpu_flags fxsr"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x0"
    within      = "150ms"
  }
  expect {
    serial = "attack_a100: kernel flag cleared \\(fxsr\\)"
  }
}

scenario "a100_smap_copy" {
  description = "A100: cpu_features.smap cleared (copy_user without STAC/CLAC)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a100_cpu_flags"]

  step {
    at     = "30ms"
    load   = "attack_a100_cpu_flags smap_copy"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x0"
    within      = "150ms"
  }
  expect {
    serial = "attack_a100: kernel flag cleared \\(smap_copy\\)"
  }
}

scenario "a100_smap_enabled_fast" {
  from        = "a100_cpu_flags.hcl#a100_smap_enabled"
  description = "A100 (smap_enabled) in the fast profile"
  append      = ""
  max_time    = "20s"
  within      = "16s"
}
