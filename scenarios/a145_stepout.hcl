# A145 (docs/patchguard.md): A34's step-out, and out of the ticks that draw random passes
# too. The tick hook drew whether a random pass runs only on the ticks of its full checks:
# every tick in `fast` and `test`, one tick in 32 in `windows` (those whose count has no
# bit of `pg.stride_mask`, plain data, set). attack_a145_stepout hooks getpid and, from
# a timer of its own on every tick, takes the hook out whenever the next tick is one of
# those, or PatchGuard's timer or the housekeeping timer fires at the next tick; the
# hook is in on 31 ticks in 32 and no pass sees it.
# Before: in `windows` no bug check in 10 guest minutes (seed 1); in `fast` every tick
# draws, as for A34.
# Expected: bug check 0x109, region type 0xa, from a random pass (drawn on every tick in
# every profile). In `windows`, whose random passes come 512 s apart on average (each
# takes every small region, the service table among them), about one seed in three is
# found past the profile's bound: the campaign's a145_stepout_windows_seeds measures it.
scenario "a145_stepout_fast" {
  description = "A145: A34's step-out, also out of the full-check ticks (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "20s"
  requires    = ["driver:attack_a145_stepout", "program:svc"]

  step {
    at    = "1s"
    start = "svc"
  }
  step {
    at     = "2s"
    load   = "attack_a145_stepout"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "16s"
  }
  expect {
    serial = "attack_a145: getpid hooked, stepping out before every visible pass and every full-check tick"
  }
}

