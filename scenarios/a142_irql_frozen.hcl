# A142 (docs/patchguard.md): the DPC drain's gate held shut. The host writes
# IRQL_DISPATCH into the kernel's current_irql (plain data; its symbol from the
# built image), so no interrupt's way out drains the DPC queue again and nothing
# is preempted: no timer, housekeeping or random-pass DPC of PatchGuard runs. Then
# attack_a1 hooks getpid in the service table.
# Expected: bug check 0x109 (type 0xA from a random pass checked inside the tick,
# which now finds every tick coming over IRQL_DISPATCH, A141; else 0x101, no
# context's pass count moving), within each profile's bound.
scenario "a142_irql_frozen" {
  description = "A142: current_irql held at IRQL_DISPATCH, then attack_a1 (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a1", "symbol:current_irql"]

  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "current_irql"
      value  = "2"
      size   = 4
    }
  }
  step {
    at   = "31ms"
    load = "attack_a1"
  }

  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
}

scenario "a142_irql_frozen_fast" {
  from        = "a142_irql_frozen.hcl#a142_irql_frozen"
  description = "A142 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}
