# A133 (docs/patchguard.md): the NMI's work draw steered through the TSC. In
# the windows profile the NMI decides from the TSC it reads whether it does
# its work (one NMI in 32), and the watchdog's checks ride on that work: the
# driver holds the TSC, from a timer of its own, at a value that draws no
# work over every edge of PIT channel 0 and puts it back after, and slows
# the TSC to a quarter of its rate (A130 `slow`), which only the watchdog's
# check of the TSC against the PM timer sees. In the test and fast profiles
# every NMI (every watchdog interrupt) does its work.
# Expected: bug check 0x109, region type 0x7 (IA32_TSC), within each
# profile's bound.

scenario "a133_tsc_draw_slow" {
  description = "A133: the NMI's draw steered by the TSC, plus A130 slow"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a133_tsc_draw"]

  step {
    at     = "30ms"
    load   = "attack_a133_tsc_draw slow"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a133: the TSC held at a no-work value over every PIT edge, and slowed to a quarter of its rate"
  }
}

scenario "a133_tsc_draw_slow_fast" {
  description = "A133: the NMI's draw steered by the TSC, plus A130 slow, fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  requires    = ["driver:attack_a133_tsc_draw"]

  step {
    at     = "5s"
    load   = "attack_a133_tsc_draw slow"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "16s"
  }
  expect {
    serial = "attack_a133: the TSC held at a no-work value over every PIT edge, and slowed to a quarter of its rate"
  }
}
