# A97 (docs/patchguard.md): A59's TLB split kept out of the NMI's way. From a timer on
# every tick, attack_a97_timed_split latches PIT channel 0's count (the NMI watchdog's
# edge): when the next edge comes before the next tick's timer it drops the split from
# the TLB and leaves it out, else it sets the split of getpid's text page up again, so
# no probe in an NMI of the PIT finds it. Before: no bug check in 29 s (fast, seed 1),
# `svc` printed pid 4242 on most heartbeats. Expected: bug check 0x109, region type
# 0x111 (the tick hook asks for an instruction-fetch probe, by an NMI the local APIC
# sends at once, on ticks it draws), within the fast profile's bound. (In the test
# profile the PIT's period is shorter than a tick: the driver never keeps the split.)
scenario "a97_timed_split" {
  description = "A97: a TLB split dropped before every NMI of the PIT (fast profile)"
  max_time    = "20s"
  requires    = ["driver:attack_a97_timed_split", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a97_timed_split"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "16s"
  }
  expect {
    serial = "attack_a97: getpid's text page split on every tick the PIT's next edge does not come before the next"
  }
}

# In the windows profile (bound about 9 minutes): the tick hook draws on every tick,
# one in 128, whether to ask for a probe (the full checks' ticks, one in 16, are known
# to a driver, which would drop its split before those alone).
scenario "a97_timed_split_windows" {
  from        = "a97_timed_split.hcl#a97_timed_split"
  description = "A97 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
