# A130 (docs/patchguard.md): the TSC written with WRMSR: rewound, moved
# forward, slowed to a quarter of its rate from a timer on every tick, and
# held back while the tick is stretched by 9 (A62's way). The watchdog
# holds the TSC's progress to the ACPI PM timer's.
# Expected: bug check 0x109 within the profile's bound.

scenario "a130_tsc_rewind" {
  description = "A130: the TSC rewound to half its value"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a130_tsc"]

  step {
    at     = "30ms"
    load   = "attack_a130_tsc rewind"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a130: the TSC rewound to half its value"
  }
}

scenario "a130_tsc_forward" {
  description = "A130: the TSC moved 1 G counts forward"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a130_tsc"]

  step {
    at     = "30ms"
    load   = "attack_a130_tsc forward"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a130: the TSC moved 1 G counts forward"
  }
}

scenario "a130_tsc_slow" {
  description = "A130: the TSC slowed to a quarter of its rate"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a130_tsc"]

  step {
    at     = "30ms"
    load   = "attack_a130_tsc slow"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a130: the TSC slowed to a quarter of its rate"
  }
}

scenario "a130_tsc_hold" {
  description = "A130: tick stretched by 9, the TSC held back"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a130_tsc"]

  step {
    at     = "30ms"
    load   = "attack_a130_tsc hold"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a130: tick stretched by 9, TSC held back"
  }
}

scenario "a130_tsc_slow_fast" {
  description = "A130: the TSC slowed to a quarter of its rate, fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  requires    = ["driver:attack_a130_tsc"]

  step {
    at     = "5s"
    load   = "attack_a130_tsc slow"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "16s"
  }
  expect {
    serial = "attack_a130: the TSC slowed to a quarter of its rate"
  }
}

# The tick hook's window requires the TSC not to go back past the window's
# start: A130's rewind at 30 ms (about 15 ms back) is less than the window
# had run; halved at 5 s in the windows profile, whose watchdog checks run
# on about one NMI in 32, the tick hook's window sees it first (0x101), or
# now and then a working NMI's rate check (0x7).
scenario "a130_tsc_rewind_late_windows" {
  description = "A130: the TSC rewound to half its value at 5 s, windows profile"
  append      = "pg.profile=windows"
  max_time    = "20s"
  requires    = ["driver:attack_a130_tsc"]

  step {
    at     = "5s"
    load   = "attack_a130_tsc rewind"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x7"
    within      = "9m"
  }
  expect {
    serial = "attack_a130: the TSC rewound to half its value"
  }
}
