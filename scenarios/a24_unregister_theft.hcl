# A24 (docs/patchguard.md, docs/vendorapi.md): a driver tries to switch the vendor's
# protection off through the API instead of patching, by unregistering its
# filters with guessed cookies. Expected: every attempt refused (api-denial,
# policy "registration"), the protection still working, no bug check.
scenario "a24_unregister_theft" {
  description = "A24: another driver cannot unregister the vendor driver's filters"
  append      = "pg.profile=test autorun=load vendor_sample;load vendor_thief;start svc;sleep 50;run kill 1"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  requires    = ["driver:vendor_sample", "driver:vendor_thief", "program:svc", "program:kill"]

  expect {
    event = "api-denial"
    args  = ["0x3", "0x1", "0xc0000022", "*"] # handle filter, registration, access denied
    text  = "^vendor_thief: may not unregister a handle filter registration of vendor_sample"
  }
  expect { serial = "(?m)^vendor_thief: handle filters: 1 refused, 0 removed$" }
  expect { serial = "(?m)^kill: terminate pid 1: status 0xc0000022 access denied$" }
  expect { no_bugcheck_for = "3s" }
}
