# A86 (docs/patchguard.md): PIT channel 0's phase check (A81) switched off
# or blinded. `on`: attack_a81_pit_reload halves the channel's reload
# (the shorter reload only the phase check sees), then the tick hook's
# "phase check on", found by its symbol in the built image, is cleared
# from the host 2 ms later (the check would otherwise see the reload
# within 81 ms). `misses`: attack_a86_pit_phase gets the addresses of the check's
# count of misses and window of outcomes from the host (with printk's, for
# the kernel's random base), zeroes both from a timer of its own on every
# tick, and halves the reload.
# Expected: bug check 0x109, region type 0x101 (the check's state differs
# from its hash under PatchGuard's own key), within each profile's bound.
scenario "a86_phase_off" {
  description = "A86: the PIT phase check's \"on\" cleared from the host, then A81 fast"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a81_pit_reload", "symbol:phase_on"]

  step {
    at   = "30ms"
    load = "attack_a81_pit_reload fast"
  }
  step {
    at     = "32ms"
    attack = true
    poke {
      symbol = "phase_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a81: PIT channel 0's count halved"
  }
}

scenario "a86_phase_off_fast" {
  description = "A86: the PIT phase check's \"on\" cleared, then A81 fast, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a81_pit_reload", "symbol:phase_on"]

  step {
    at   = "5s"
    load = "attack_a81_pit_reload fast"
  }
  step {
    at     = "5002ms"
    attack = true
    poke {
      symbol = "phase_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "2s"
  }
}

scenario "a86_phase_misses" {
  description = "A86: the PIT phase check's misses zeroed on every tick, PIT channel 0 halved"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a86_pit_phase", "symbol:phase_misses", "symbol:phase_bits"]

  step {
    at   = "30ms"
    load = "attack_a86_pit_phase"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a86_pit_phase!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a86_pit_phase!bits_at"
      value  = "phase_bits"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a86_pit_phase!misses_at"
      value  = "phase_misses"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a86: PIT channel 0's count halved, its phase misses zeroed on every tick"
  }
}

scenario "a86_phase_misses_fast" {
  description = "A86: the PIT phase check's misses zeroed on every tick, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a86_pit_phase", "symbol:phase_misses", "symbol:phase_bits"]

  step {
    at   = "5s"
    load = "attack_a86_pit_phase"
  }
  step {
    at = "5010ms"
    poke {
      symbol = "attack_a86_pit_phase!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "5011ms"
    poke {
      symbol = "attack_a86_pit_phase!bits_at"
      value  = "phase_bits"
      size   = 8
    }
  }
  step {
    at     = "5012ms"
    attack = true
    poke {
      symbol = "attack_a86_pit_phase!misses_at"
      value  = "phase_misses"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "2s"
  }
}
