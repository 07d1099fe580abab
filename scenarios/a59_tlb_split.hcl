# A59 (docs/patchguard.md): a TLB split of a kernel text page, set up again on every tick.
# Expected: bug check 0x109, region type 0x111, within each profile's bound (the NMI's
# instruction-fetch probe visits every text page on every NMI in the test profile, and
# every 0.71 s in the fast profile).
scenario "a59_tlb_split" {
  description = "A59: getpid's text page executes a copy through a TLB split renewed on every tick"
  max_time    = "20s"
  requires    = ["driver:attack_a59_tlb_split", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a59_tlb_split"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "16s"
  }
  expect {
    serial = "attack_a59: getpid's text page split: execution runs a copy, reads and the PTE the original"
  }
}

scenario "a59_tlb_split_test_profile" {
  description = "A59 in the test profile: the split found within its bound"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a59_tlb_split", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a59_tlb_split"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
}
