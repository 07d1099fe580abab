# A136 (docs/patchguard.md): the tick held back by 20 (A62's way: the
# local-APIC timer's count restarted just before it runs out, from a DPC
# that waits one period at a time and queues itself again) while the count of the PIT's edges the windows profile's time
# windows go by (pg_pit_nmis, plain data) is kept at half an edge a tick:
# attack_a136_pit_edges gets the count's address from the host, with
# printk's for the kernel's random base, and writes it from a timer of its
# own while it holds the tick. Every window then looks like a host that
# stopped the machine.
# Expected: bug check 0x109 within each profile's bound: in windows type
# 0x101 at the count (held to the NMIs that did the work, which are sealed);
# in test and fast, whose windows go by the watchdog's sealed count, 0x17 or
# 0x101 for the held tick.

scenario "a136_pit_edges" {
  description = "A136: the tick held back, the PIT edge count kept low"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a136_pit_edges", "symbol:pg_pit_nmis"]

  step {
    at   = "30ms"
    load = "attack_a136_pit_edges"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a136_pit_edges!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at     = "41ms"
    attack = true
    poke {
      symbol = "attack_a136_pit_edges!edges_at"
      value  = "pg_pit_nmis"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a136: the tick held back by 20, the PIT edges kept at half an edge a tick"
  }
}

scenario "a136_pit_edges_fast" {
  from        = "a136_pit_edges.hcl#a136_pit_edges"
  description = "A136 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  within      = "16s"
  shift_steps = "4970ms"
}

# The windows profile (the watchdog holds the NMIs' plain count to the NMIs
# that did the work, one in 32, over 64 of them: about two minutes of a
# guest that spins in the driver's DPC) runs in the campaign only
# (campaign/pg_hardening.hcl, a136_pit_edges_windows_seeds).
