# Clean soak (docs/patchguard.md, false positives): 20 seeds x 30 guest
# minutes of the default (fast) profile with drivers loaded (the vendor
# sample among them, so its callbacks sit in sealed arrays), the svc
# service and CPU-bound ring-3 programs running, and churn every 30 guest
# seconds: a vendor driver registering and unregistering callbacks and
# gates, processes and threads created and exiting, the service killed and
# restarted, a driver unloaded and loaded again, denied handle and memory
# requests. Zero bug checks expected.
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
    at   = "1m"
    type = "load vendor_rules"
  }
  step {
    at   = "1m30s"
    type = "run spawn hello churn"
  }
  step {
    at   = "2m"
    type = "unload vendor_rules"
  }
  step {
    at   = "2m30s"
    kill = "svc"
  }
  step {
    at   = "3m"
    start = "svc"
  }
  step {
    at   = "3m30s"
    type = "run threads 4"
  }
  step {
    at   = "4m"
    type = "run kill $pid(svc)"
  }
  step {
    at   = "4m30s"
    type = "unload hello"
  }
  step {
    at   = "5m"
    type = "load hello churn"
  }
  step {
    at   = "5m30s"
    type = "run jit"
  }
  step {
    at   = "6m"
    type = "run spin 200000 churn"
  }
  step {
    at   = "6m30s"
    type = "lsmod"
  }
  step {
    at   = "7m"
    type = "load vendor_rules"
  }
  step {
    at   = "7m30s"
    type = "run spawn hello churn"
  }
  step {
    at   = "8m"
    type = "unload vendor_rules"
  }
  step {
    at   = "8m30s"
    kill = "svc"
  }
  step {
    at   = "9m"
    start = "svc"
  }
  step {
    at   = "9m30s"
    type = "run threads 4"
  }
  step {
    at   = "10m"
    type = "run kill $pid(svc)"
  }
  step {
    at   = "10m30s"
    type = "unload hello"
  }
  step {
    at   = "11m"
    type = "load hello churn"
  }
  step {
    at   = "11m30s"
    type = "run jit"
  }
  step {
    at   = "12m"
    type = "run spin 200000 churn"
  }
  step {
    at   = "12m30s"
    type = "lsmod"
  }
  step {
    at   = "13m"
    type = "load vendor_rules"
  }
  step {
    at   = "13m30s"
    type = "run spawn hello churn"
  }
  step {
    at   = "14m"
    type = "unload vendor_rules"
  }
  step {
    at   = "14m30s"
    kill = "svc"
  }
  step {
    at   = "15m"
    start = "svc"
  }
  step {
    at   = "15m30s"
    type = "run threads 4"
  }
  step {
    at   = "16m"
    type = "run kill $pid(svc)"
  }
  step {
    at   = "16m30s"
    type = "unload hello"
  }
  step {
    at   = "17m"
    type = "load hello churn"
  }
  step {
    at   = "17m30s"
    type = "run jit"
  }
  step {
    at   = "18m"
    type = "run spin 200000 churn"
  }
  step {
    at   = "18m30s"
    type = "lsmod"
  }
  step {
    at   = "19m"
    type = "load vendor_rules"
  }
  step {
    at   = "19m30s"
    type = "run spawn hello churn"
  }
  step {
    at   = "20m"
    type = "unload vendor_rules"
  }
  step {
    at   = "20m30s"
    kill = "svc"
  }
  step {
    at   = "21m"
    start = "svc"
  }
  step {
    at   = "21m30s"
    type = "run threads 4"
  }
  step {
    at   = "22m"
    type = "run kill $pid(svc)"
  }
  step {
    at   = "22m30s"
    type = "unload hello"
  }
  step {
    at   = "23m"
    type = "load hello churn"
  }
  step {
    at   = "23m30s"
    type = "run jit"
  }
  step {
    at   = "24m"
    type = "run spin 200000 churn"
  }
  step {
    at   = "24m30s"
    type = "lsmod"
  }
  step {
    at   = "25m"
    type = "load vendor_rules"
  }
  step {
    at   = "25m30s"
    type = "run spawn hello churn"
  }
  step {
    at   = "26m"
    type = "unload vendor_rules"
  }
  step {
    at   = "26m30s"
    kill = "svc"
  }
  step {
    at   = "27m"
    start = "svc"
  }
  step {
    at   = "27m30s"
    type = "run threads 4"
  }
  step {
    at   = "28m"
    type = "run kill $pid(svc)"
  }
  step {
    at   = "28m30s"
    type = "unload hello"
  }
  step {
    at   = "29m"
    type = "load hello churn"
  }
  step {
    at   = "29m30s"
    type = "run jit"
  }
  expect { no_bugcheck_for = "30m" }
  # the churn happened
  expect { serial = "vendor_rules: process spawn \\(pid \\d+\\) created" }
  expect { serial = "vendor_rules: process hello \\(pid \\d+\\) created" }
  expect { serial = "kill: pid \\d+ \\(svc\\) terminated" }
  expect { serial = "run: threads \\(pid \\d+\\) exited" }
  expect { serial = "run: jit \\(pid \\d+\\) exited" }
  expect { serial = "run: spin \\(pid \\d+\\) exited" }
  expect { serial = "run: kill \\(pid \\d+\\) exited" }
  expect { serial = "(?s)(hello: goodbye.*hello: driver hello, args \"churn\".*){4}" }
}
