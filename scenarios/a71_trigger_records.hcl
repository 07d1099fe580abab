# A71 (docs/patchguard.md): the triggers' own records, found by their symbols in the built image
# and cleared from the host in one step: the tick hook's, the PIT watchdog's and the piggy-back's
# "started" records and the NMI's "on"; then attack_a50_freeze (typed at the shell at the same guest
# time, so it acts after the pokes) clears PatchGuard's live and armed
# flags, cancels its timer and hooks getpid.
# Expected: bug check 0x109, region type 0x101 (the records differ from their sealed hash), within
# each profile's bound.
scenario "a71_records_cleared" {
  description = "A71: every trigger's started record cleared from the host, then A50"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a50_freeze", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on"]

  step {
    at   = "29ms"
    load = "attack_a50_freeze"
  }
  step {
    at     = "29ms"
    attack = true
    poke {
      symbol = "tick_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "29ms"
    poke {
      symbol = "wd_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "29ms"
    poke {
      symbol = "piggy_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "29ms"
    poke {
      symbol = "nmi_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
}

scenario "a71_records_cleared_fast" {
  description = "A71: every trigger's started record cleared from the host, then A50 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a50_freeze", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on"]

  step {
    at   = "5s"
    load = "attack_a50_freeze"
  }
  step {
    at     = "5s"
    attack = true
    poke {
      symbol = "tick_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "wd_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "piggy_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "nmi_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}
