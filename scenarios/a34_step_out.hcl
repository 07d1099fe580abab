# A34 (docs/patchguard.md): hook getpid and step out before every pass the timer queue announces.
# In the test profile PatchGuard's timer fires every tick or two, so the
# hook would hardly ever be in; the fast profile (a timer pass every 1-3 s,
# random passes 1 s apart on average) shows the point: the hook is in
# nearly all the time and only the random passes can see it.
# Expected: bug check 0x109, region type 0xa, within the fast profile's bound (16 s).
scenario "a34_step_out" {
  description = "A34: hook getpid and step out before every pass the timer queue announces"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a34_stepout"]

  step {
    at     = "5s"
    load   = "attack_a34_stepout"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "16s"
  }
  expect {
    serial = "attack_a34: getpid hooked, stepping out before every visible pass"
  }
}
