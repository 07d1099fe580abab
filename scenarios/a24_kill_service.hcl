# A24 (docs/patchguard.md, docs/vendorapi.md): the vendor driver protects its service: kill it
# The sample vendor driver does the job through the documented APIs:
# expected: the denial (console line and api-denial event), no bug check.
scenario "a24_kill_service" {
  description = "A24: the vendor driver protects its service: kill it"
  append      = "pg.profile=test autorun=load vendor_sample;start svc;sleep 50;run kill 1;ps"
  requires    = ["driver:vendor_sample", "program:svc", "program:kill"]

  expect {
    event = "api-denial"
    args  = ["0x3", "0x2", "0x1", "0x1"] # handle filter, rights stripped, svc (pid 1), terminate
    text  = "^vendor_sample: stripped access 0x1 from kill"
  }
  expect { serial = "(?m)^kill: terminate pid 1: status 0xc0000022 access denied$" }
  expect { serial = "(?m)^ +1 +0 running .* svc$" }
  expect { no_bugcheck_for = "3s" }
}
