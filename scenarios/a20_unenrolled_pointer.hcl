# A20 (docs/patchguard.md): overwrite a writable function pointer the checker
# does not enrol (the housekeeping timer's DPC routine). By design
# undetected: a same-privilege checker cannot enrol every writable pointer.
scenario "a20_unenrolled_pointer" {
  description = "A20: hook the housekeeping DPC routine (by design undetected)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a20"]
  step {
    at   = "30ms"
    load = "attack_a20"
  }
  expect { no_bugcheck_for = "3s" }
  expect { serial = "attack_a20: housekeeping DPC routine hooked \\(chained\\)" }
}
