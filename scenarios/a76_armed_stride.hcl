# A76 (docs/patchguard.md): the tick hook's own copy of its stride (the
# stride it was started with, kept apart from PatchGuard's plain one: A68)
# set to 2^40 ticks by a host poke at its symbol, so the full checks never
# run; then attack_a27_rearm (typed at the shell at the same guest time, so
# it acts after the poke) re-arms PatchGuard's timer an hour out, which
# only the full checks saw.
# Expected: bug check 0x109, region type 0x101 (the tick hook's records
# differ from their sealed hash), within each profile's bound.
scenario "a76_armed_stride" {
  description = "A76: the tick hook's armed stride set to 2^40 ticks, then A27"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a27_rearm", "symbol:stride"]

  step {
    at   = "30ms"
    load = "attack_a27_rearm"
  }
  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "stride"
      value  = "0xffffffffff"
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
}

scenario "a76_armed_stride_fast" {
  description = "A76: the tick hook's armed stride set to 2^40 ticks, then A27 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a27_rearm", "symbol:stride"]

  step {
    at   = "5s"
    load = "attack_a27_rearm"
  }
  step {
    at     = "5s"
    attack = true
    poke {
      symbol = "stride"
      value  = "0xffffffffff"
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}
