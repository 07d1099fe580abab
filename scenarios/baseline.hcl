# Clean baselines: the kernel boots, idles and drivers come and go without a bug check.

scenario "baseline_idle" {
  description     = "boot and idle for a guest minute in the default (fast) profile; the report shows PatchGuard's share of the CPU"
  append          = "pg.profile=fast pg.telemetry=1"
  expect { no_bugcheck_for = "60s" }
  expect { event = "shell-ready" }
}

scenario "baseline_test_profile_drivers" {
  description = "test profile (a pass every 5-15 ms), drivers loaded, called and unloaded, 3 guest seconds"
  append      = "pg.profile=test"
  seeds       = "1..2"
  step {
    at   = "30ms"
    load = "hello a b"
  }
  step {
    at   = "50ms"
    load = "ticktest 5"
  }
  step {
    at   = "500ms"
    type = "call hello 0 still here"
  }
  step {
    at   = "1s"
    type = "unload hello"
  }
  step {
    at   = "1500ms"
    type = "lsmod"
  }
  expect { no_bugcheck_for = "3s" }
  expect { serial = "(?m)^hello: driver hello, args \"a b\"$" }
}

scenario "baseline_windows_profile" {
  description = "windows profile: idle through ten guest minutes (several 120-130 s passes)"
  append      = "pg.profile=windows pg.telemetry=1"
  max_time    = "601s"
  expect { no_bugcheck_for = "600s" }
  expect { event = "pg-pass" }
}

# Overhead (docs/patchguard.md): the ring-3 `usertest spin` loop (60 million
# instructions) with PatchGuard in each profile and with pg=off; the report
# prints when its exit line came, so the slowdown is the ratio of the times
# after the step.
scenario "overhead_spin_pg_off" {
  description = "usertest spin with pg=off (the reference time)"
  append      = "pg=off"
  step {
    at     = "100ms"
    attack = true
    type   = "usertest spin"
  }
  expect { serial = "usertest: exit status 0x0 \\(ok\\)" }
  expect { no_bugcheck_for = "1s" }
}

scenario "overhead_spin_pg_test" {
  description = "usertest spin in the test profile (a pass every 5-15 ms)"
  append      = "pg.profile=test pg.telemetry=1"
  step {
    at     = "100ms"
    attack = true
    type   = "usertest spin"
  }
  expect { serial = "usertest: exit status 0x0 \\(ok\\)" }
  expect { no_bugcheck_for = "1s" }
}

scenario "overhead_spin_pg_fast" {
  description = "usertest spin in the fast profile, started during the first passes"
  append      = "pg.profile=fast pg.telemetry=1"
  step {
    at     = "3s"
    attack = true
    type   = "usertest spin"
  }
  expect { serial = "usertest: exit status 0x0 \\(ok\\)" }
  expect { no_bugcheck_for = "4s" }
}

# Whole-machine overhead (docs/patchguard.md): ten idle guest minutes after
# the first, against the same machine and seed with pg=off. The report's
# "whole machine" line counts every instruction PatchGuard adds (its
# interrupts' entries and exits, the idle loop's extra wake-ups, the passes
# and hooks), where pg.telemetry counts only the work inside PatchGuard's
# own routines. `kppemu run --repeat N` compares N seeds.
scenario "overhead_idle_windows" {
  description  = "windows profile, idle: every instruction more than overhead_idle_pg_off (budget 0.001%)"
  append       = "pg.profile=windows pg.telemetry=1"
  max_time     = "660s"
  measure_from = "60s"
  compare_with = "overhead_idle_pg_off"
  expect { no_bugcheck_for = "660s" }
}

scenario "overhead_idle_fast" {
  description  = "fast profile, idle: every instruction more than overhead_idle_pg_off (budget 0.1%)"
  append       = "pg.profile=fast pg.telemetry=1"
  max_time     = "660s"
  measure_from = "60s"
  compare_with = "overhead_idle_pg_off"
  expect { no_bugcheck_for = "660s" }
}

scenario "overhead_idle_pg_off" {
  description  = "the reference of the overhead_idle rows: the same machine with pg=off"
  append       = "pg=off"
  max_time     = "660s"
  measure_from = "60s"
  expect { no_bugcheck_for = "660s" }
}
