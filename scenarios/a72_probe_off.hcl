# A72 (docs/patchguard.md): the instruction-fetch probe's rate (pages per NMI, a record of the
# NMI found by its symbol in the built image) set to zero from the host before the TLB split of
# A59, which only the probe sees.
# Expected: bug check 0x109, region type 0x101 (the records differ from their sealed hash), within
# the fast profile's bound.
scenario "a72_probe_off" {
  description = "A72: the instruction-fetch probe's rate set to zero pages, then A59's TLB split (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a59_tlb_split", "program:svc", "symbol:probe_per"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "199ms"
    attack = true
    poke {
      symbol = "probe_per"
      value  = 0
    }
  }
  step {
    at   = "200ms"
    load = "attack_a59_tlb_split"
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}
