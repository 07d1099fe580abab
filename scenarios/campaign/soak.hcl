# Clean soak (PATCHGUARD.md §4, false positives): 20 seeds x 30 guest
# minutes of the default (fast) profile with drivers loaded, a ring-3 test
# program run through SYSCALL and drivers unloaded again. Zero bug checks
# expected. (The ring-3 programs of images/programs are not built yet; add
# start steps when they are.)
scenario "soak_fast_30min" {
  description = "20 seeds x 30 guest minutes, fast profile, drivers and a user program"
  append      = "pg.profile=fast pg.telemetry=1"
  seeds       = "1..20"
  step {
    at   = "1s"
    load = "hello soak"
  }
  step {
    at   = "2s"
    load = "ticktest 20"
  }
  step {
    at   = "5s"
    type = "usertest spin"
  }
  step {
    at   = "10m"
    type = "unload hello"
  }
  step {
    at   = "20m"
    type = "lsmod"
  }
  expect { no_bugcheck_for = "30m" }
}
