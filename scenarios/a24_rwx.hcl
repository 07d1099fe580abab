# A24 (docs/patchguard.md, docs/vendorapi.md): the vendor driver refuses an RWX allocation
# The sample vendor driver does the job through the documented APIs:
# expected: the denial (console line and api-denial event), no bug check.
scenario "a24_rwx" {
  description = "A24: the vendor driver refuses an RWX allocation"
  append      = "pg.profile=test autorun=load vendor_sample;run jit"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  requires    = ["driver:vendor_sample", "program:jit"]

  expect {
    event = "api-denial"
    args  = ["0x4", "0x5", "*", "0x1"] # memory filter, refused, the jit process, executable allocation
    text  = "^vendor_sample: refused an executable allocation by jit"
  }
  expect { serial = "(?m)^jit: vm_alloc RWX: status 0xc0000022 access denied$" }
  expect { no_bugcheck_for = "3s" }
}
