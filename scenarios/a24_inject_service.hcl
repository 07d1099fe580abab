# A24 (docs/patchguard.md, docs/vendorapi.md): the vendor driver protects its service: write into it
# The sample vendor driver does the job through the documented APIs:
# expected: the denial (console line and api-denial event), no bug check.
scenario "a24_inject_service" {
  description = "A24: the vendor driver protects its service: write into it"
  append      = "pg.profile=test autorun=load vendor_sample;start svc;sleep 50;run inject 1"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  requires    = ["driver:vendor_sample", "program:svc", "program:inject"]

  expect {
    event = "api-denial"
    args  = ["0x3", "0x2", "0x1", "0x20"] # handle filter, rights stripped, svc (pid 1), VM write
    text  = "^vendor_sample: "
  }
  expect { serial = "(?m)^inject: write \"injected\" at 0x20000000: status 0xc0000022 access denied$" }
  expect { serial = "(?m)^inject: duplicate adding terminate: status 0xc0000022 access denied$" }
  expect { no_bugcheck_for = "3s" }
}
