# A20 (docs/patchguard.md): overwrite a writable function pointer the checker
# does not enrol (another driver's DPC routine: ticktest's periodic timer).
# By design undetected: a same-privilege checker cannot enrol every
# writable pointer. (The kernel's own housekeeping DPC, which PatchGuard's
# piggy-back trigger rides on, is watched: A30.)
scenario "a20_unenrolled_pointer" {
  description = "A20: hook another driver's DPC routine (by design undetected)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a20", "driver:ticktest"]
  step {
    at   = "30ms"
    load = "ticktest 200"
  }
  step {
    at   = "60ms"
    load = "attack_a20"
  }
  expect { no_bugcheck_for = "3s" }
  expect { serial = "attack_a20: another driver's DPC routine hooked \\(chained\\)" }
  expect { serial = "attack_a20: the hooked driver DPC ran 3 times" }
}
