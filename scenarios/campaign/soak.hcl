# Clean soak (docs/patchguard.md, false positives): 20 seeds x 30 guest
# minutes of the default (fast) profile with drivers loaded (the vendor
# sample among them, so its callbacks sit in sealed arrays), the svc
# service running throughout, CPU-bound and ring-3 test programs run, and
# a driver unloaded again. Zero bug checks expected.
scenario "soak_fast_30min" {
  description = "20 seeds x 30 guest minutes, fast profile, drivers and programs"
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
    at   = "3s"
    load = "vendor_sample"
  }
  step {
    at    = "4s"
    start = "svc"
  }
  step {
    at   = "5s"
    type = "usertest spin"
  }
  step {
    at   = "6s"
    type = "run spin"
  }
  step {
    at   = "5m"
    type = "run hello"
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
