# A67 by design (docs/patchguard.md, Limits: A process or driver hidden
# from every view): svc (pid 1) hidden inside readln (pid 2), which waits
# for a console line that never comes: svc leaves every list, its thread
# joins readln's, and readln's address space and memory areas become
# svc's. Every view PatchGuard has shows readln, listed under its PID,
# running svc. Expected: no bug check over 2 guest seconds of the test
# profile, svc's heartbeat printed under readln's PID.
scenario "by_design_impersonate" {
  description = "A67 by design: a hidden process wearing a listed process's identity"
  append      = "pg.profile=test"
  seeds       = "1..4"
  requires    = ["driver:attack_a67_impersonate", "program:svc", "program:readln"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at    = "30ms"
    start = "readln"
  }
  step {
    at     = "50ms"
    load   = "attack_a67_impersonate 1 2"
    attack = true
  }

  expect { no_bugcheck_for = "2s" }
  expect {
    serial = "attack_a67: process 1 hidden inside process 2 \\(its threads, address space and memory areas\\)"
  }
  expect {
    serial = "svc 2: heartbeat 50"
  }
}
