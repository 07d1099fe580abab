# A141 (docs/patchguard.md): every random pass seen before it runs. The tick hook
# puts a random pass's DPC at the head of the DPC queue, drained on the tick's way
# out: unless the tick came while a DPC ran. attack_a141_straddle's DPC, on a timer
# every tick, hooks getpid in the service table while none of PatchGuard's DPCs is
# queued, waits with interrupts enabled for the next tick, and puts the entry back
# when one is queued before it returns; its own DPC, queued again by that tick
# behind them, hooks again.
# Before: no bug check in 1 s (test) and 20 s (fast), seeds 1-3.
# Expected: bug check 0x109, region type 0xA (a random pass drawn on a tick that
# came while a DPC ran is checked inside the tick), within each profile's bound.
scenario "a141_straddle" {
  description = "A141: getpid hooked except while a PatchGuard DPC is queued (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a141_straddle"]

  step {
    at     = "30ms"
    load   = "attack_a141_straddle"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xA"
    within      = "150ms"
  }
  expect {
    serial = "attack_a141: getpid hooked except while a PatchGuard DPC is queued"
  }
}

scenario "a141_straddle_fast" {
  from        = "a141_straddle.hcl#a141_straddle"
  description = "A141 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

# In the windows profile the random passes come 512 s apart on average, so about a
# third of the runs saw none within the bound; there a tick that came over another
# DPC is also checked inside the tick on one tick in 1024, drawn.
scenario "a141_straddle_windows" {
  from        = "a141_straddle.hcl#a141_straddle"
  description = "A141 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
