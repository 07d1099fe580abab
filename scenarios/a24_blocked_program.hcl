# A24 (docs/patchguard.md, docs/vendorapi.md): the vendor driver vetoes a program on its block list
# The sample vendor driver does the job through the documented APIs:
# expected: the denial (console line and api-denial event), no bug check.
scenario "a24_blocked_program" {
  description = "A24: the vendor driver vetoes a program on its block list"
  append      = "pg.profile=test autorun=load vendor_sample;run badptr"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  requires    = ["driver:vendor_sample", "program:badptr"]

  expect {
    event = "api-denial"
    args  = ["0x1", "0x3", "0x0", "0xc0000022"] # process notify, creation vetoed, parent 0, access denied
    text  = "^vendor_sample: vetoed the creation of badptr"
  }
  expect { serial = "(?m)^run: badptr: status 0xc0000022$" }
  expect { no_bugcheck_for = "3s" }
}
