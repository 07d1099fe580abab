# A24 (docs/patchguard.md, docs/vendorapi.md): a security-vendor driver doing the
# attackers' jobs through the supported callback APIs instead of patches.
# Its policies are enforced (denials reported on the event port) and
# PatchGuard has nothing to say: no bug check.
scenario "a24_vendor_api" {
  description = "A24: vendor_sample protects svc, blocks a program, a driver and RWX memory; no bug check"
  append      = "pg.profile=test"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  requires    = ["driver:vendor_sample", "program:svc", "program:kill", "program:inject", "program:jit", "program:badptr"]

  step {
    at   = "30ms"
    load = "vendor_sample"
  }
  step {
    at    = "60ms"
    start = "svc"
  }
  step {
    at   = "100ms"
    type = "run kill 1"
  }
  step {
    at   = "200ms"
    type = "run inject 1"
  }
  step {
    at   = "300ms"
    type = "run jit"
  }
  step {
    at   = "400ms"
    type = "run badptr"
  }
  step {
    at   = "500ms"
    load = "attack_a1"
  }
  step {
    at   = "600ms"
    type = "ps"
  }

  expect { no_bugcheck_for = "2s" }
  expect { serial = "vendor_sample: protecting svc" }
  # kill: terminate right stripped, TerminateProcess denied.
  expect {
    event = "api-denial"
    text  = "stripped access 0x1 from kill \\(pid \\d+\\)'s handle to svc"
  }
  expect { serial = "kill: terminate pid 1: status 0xc0000022 access denied" }
  # inject: VM write stripped, the write into svc refused.
  expect {
    event = "api-denial"
    text  = "stripped access 0x20 from inject"
  }
  expect { serial = "inject: write \"injected\" at 0x[0-9a-f]+: status 0xc0000022 access denied" }
  # jit: no RWX memory.
  expect {
    event = "api-denial"
    text  = "refused an executable allocation by jit"
  }
  # badptr: its creation vetoed.
  expect {
    event = "api-denial"
    text  = "vetoed the creation of badptr"
  }
  # attack_a1: stopped at the image gate, so nothing for PatchGuard to find.
  expect {
    event = "api-denial"
    text  = "blocked the driver image attack_a1"
  }
  expect { serial = "load: attack_a1 refused: blocked by an image gate" }
  # svc is still alive.
  expect { serial = "(?m)^\\s+1\\s+0\\s+running\\s+.*svc\\r?$" }
}
