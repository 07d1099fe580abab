# A156 (docs/patchguard.md): change the processor's memory types: IA32_PAT's entry 0
# (every kernel page's type) to uncacheable, or IA32_MTRR_DEF_TYPE's enable bit cleared.
# Expected: bug check 0x109, region type 0x7 (critical MSR), within the profile's bound.
scenario "a156_pat" {
  description = "A156: IA32_PAT's entry 0 from write-back to uncacheable"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a156_memtype"]

  step {
    at     = "30ms"
    load   = "attack_a156_memtype"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a156: IA32_PAT 0x[0-9a-f]*06 -> 0x[0-9a-f]*00"
  }
}

scenario "a156_mtrr" {
  description = "A156: IA32_MTRR_DEF_TYPE's enable bit cleared"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a156_memtype"]

  step {
    at     = "30ms"
    load   = "attack_a156_memtype mtrr"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a156: IA32_MTRR_DEF_TYPE"
  }
}

# The fast profile: within its bound of 16 s.
scenario "a156_pat_fast" {
  description = "A156: IA32_PAT's entry 0 to uncacheable (fast profile)"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a156_memtype"]
  max_time    = "30s"

  step {
    at     = "3s"
    load   = "attack_a156_memtype"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "16s"
  }
}
