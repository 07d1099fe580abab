# A134 (docs/patchguard.md): the watchdog's TSC rate check (A130) kept from
# ever ending a stretch: attack_a134_rate_state gets the address of the
# stretch's start TSC (rate_tsc in patchguard/watchdog.c) from the host,
# with printk's for the kernel's random base, zeroes it from a timer of its
# own on every tick (the next reading starts a stretch again), and slows
# the TSC to a quarter of its rate as A130 `slow` does.
# Expected: bug check 0x109, region type 0x101 (the watchdog's running
# counts differ from their hash under PatchGuard's own key), within each
# profile's bound.

scenario "a134_rate_state" {
  description = "A134: the TSC rate check's stretch reset on every tick, TSC slowed"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a134_rate_state", "symbol:rate_tsc"]

  step {
    at   = "30ms"
    load = "attack_a134_rate_state"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a134_rate_state!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at     = "41ms"
    attack = true
    poke {
      symbol = "attack_a134_rate_state!rate_at"
      value  = "rate_tsc"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a134: the TSC rate check's stretch reset on every tick, the TSC slowed to a quarter"
  }
}

scenario "a134_rate_state_fast" {
  description = "A134: the TSC rate check's stretch reset on every tick, fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  requires    = ["driver:attack_a134_rate_state", "symbol:rate_tsc"]

  step {
    at   = "5s"
    load = "attack_a134_rate_state"
  }
  step {
    at = "5010ms"
    poke {
      symbol = "attack_a134_rate_state!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at     = "5011ms"
    attack = true
    poke {
      symbol = "attack_a134_rate_state!rate_at"
      value  = "rate_tsc"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
  expect {
    serial = "attack_a134: the TSC rate check's stretch reset on every tick, the TSC slowed to a quarter"
  }
}

# In the windows profile the watchdog's checks run on about one NMI in 32
# (1.76 s apart); its running counts are sealed there too since A134.
scenario "a134_rate_state_windows" {
  from        = "a134_rate_state.hcl#a134_rate_state"
  description = "A134 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
