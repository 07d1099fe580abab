# A24 (docs/patchguard.md, docs/vendorapi.md): every protection of the sample vendor
# driver against the program that tries to defeat it, in one run, in the
# default (fast) profile with PatchGuard passes every 1-3 s, then the
# driver unloaded and the programs run again unopposed. Expected: each
# denial, and no bug check over 20 guest seconds.
scenario "a24_all_policies" {
  description = "A24: the sample vendor driver's policies together, fast profile, 20 guest seconds"
  append      = "pg.profile=fast autorun=load vendor_sample;start svc;sleep 50;run kill 1;run inject 1;run jit;run badptr;run loaddrv attack_a1;sleep 5000;run kill 1;sleep 5000;unload vendor_sample;run jit;run kill 1;ps"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  seeds       = "1..2"
  requires    = ["driver:vendor_sample", "driver:attack_a1", "program:svc", "program:kill", "program:inject", "program:jit", "program:badptr", "program:loaddrv"]

  expect {
    event = "api-denial"
    args  = ["0x3", "0x2", "0x1", "0x1"]
  }
  expect {
    event = "api-denial"
    args  = ["0x3", "0x2", "0x1", "0x20"]
  }
  expect {
    event = "api-denial"
    args  = ["0x4", "0x5", "*", "0x1"]
  }
  expect {
    event = "api-denial"
    args  = ["0x1", "0x3", "0x0", "0xc0000022"]
  }
  expect {
    event = "api-denial"
    args  = ["0x6", "0x4", "0x0", "0xc000036b"]
  }
  expect { serial = "(?m)^jit: RWX code returned 0x1234$" }
  expect { serial = "(?m)^kill: terminate pid 1: status 0x0 success$" }
  expect { no_bugcheck_for = "20s" }
}
