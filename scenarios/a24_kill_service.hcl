# A24 (docs/patchguard.md, docs/vendorapi.md): the vendor driver protects its
# service: kill it. The default machine loads vendor_sample at boot (as
# `kppemu boot` does); the steps start svc and try to kill it by name.
# Expected: the denial (console line and api-denial event), svc still
# running, no bug check.
scenario "a24_kill_service" {
  description = "A24: the vendor driver protects its service: kill it"
  append      = "pg.profile=test"
  requires    = ["driver:vendor_sample", "program:svc", "program:kill"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at     = "70ms"
    attack = true
    type   = "run kill $pid(svc)"
  }
  step {
    at   = "200ms"
    type = "ps"
  }

  expect {
    event = "api-denial"
    args  = ["0x3", "0x2", "*", "0x1"] # handle filter, rights stripped, svc's pid, terminate
    text  = "^vendor_sample: stripped access 0x1 from kill"
  }
  expect { serial = "(?m)^kill: terminate pid \\d+: status 0xc0000022 access denied$" }
  expect { serial = "(?m)^ +\\d+ +0 running .* svc$" }
  expect { no_bugcheck_for = "3s" }
}

# The shell's own kill (a kernel handle, which no filter strips) ends svc:
# the kill step finds svc's pid by name.
scenario "a24_kill_by_name" {
  description = "kill = \"svc\": the shell's kill finds the pid by program name"
  append      = "pg.profile=test"
  requires    = ["program:svc"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at   = "70ms"
    kill = "svc"
  }

  expect { event = "process-exited" }
  expect { serial = "(?m)^kill: pid \\d+ \\(svc\\) terminated$" }
  expect { no_bugcheck_for = "1s" }
}
