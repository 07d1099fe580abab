# A23 (docs/patchguard.md): a random bit flip anywhere in any protected memory
# region (a host-side poke). Every flip must be detected with that region's
# type within the test profile's bound (about 80 ms). 0x101 is accepted too:
# a flip in PatchGuard's own code or context makes the checker fail its
# context self-check (as A17 and A18 do). A flip in code or tables the
# kernel uses before the next pass (an IDT gate, a GDT descriptor, the
# page-fault path) can bring it down first with another stop code or a
# triple fault: crash_ok lets such a run pass and counts it as "crashed
# first", never as a detection. A flip the guest survives undetected fails.
# 200 runs here (make test); scenarios/campaign/a23_full.hcl runs 1,000.
scenario "a23_random_flip" {
  description = "A23: random bit flip in a random protected region, 200 seeds"
  append      = "pg.profile=test"
  seeds       = "1..200"
  step {
    after  = "pg-armed + 5ms"
    jitter = "20ms"
    attack = true
    flip { region_type = "any" }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "flipped|0x101"
    within      = "100ms"
    crash_ok    = true
  }
}
