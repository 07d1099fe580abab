# A24 (docs/patchguard.md, docs/vendorapi.md): the vendor driver blocks a driver image on its block list through the image gate
# The sample vendor driver does the job through the documented APIs:
# expected: the denial (console line and api-denial event), no bug check.
scenario "a24_blocked_driver" {
  description = "A24: the vendor driver blocks a driver image on its block list through the image gate"
  append      = "pg.profile=test autorun=load vendor_sample;run loaddrv attack_a1;load attack_a1;lsmod"
  drivers     = ["initrd"] # vendor_sample is loaded by the scenario itself
  requires    = ["driver:vendor_sample", "driver:attack_a1", "program:loaddrv"]

  expect {
    event = "api-denial"
    args  = ["0x6", "0x4", "0x0", "0xc000036b"] # image gate, image blocked, a driver, STATUS_DRIVER_BLOCKED
    text  = "^vendor_sample: blocked the driver image attack_a1"
  }
  expect { serial = "(?m)^load: attack_a1 refused: blocked by an image gate \\(status 0xc000036b\\), status 0xc000036b$" }
  expect { event = "module-refused" }
  expect { no_bugcheck_for = "3s" }
}
