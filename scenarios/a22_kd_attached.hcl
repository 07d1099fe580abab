# A22 (docs/patchguard.md): kd=1 on the command line, then patch: the checker
# never arms, so nothing is detected. The control run without kd=1 crashes.
scenario "a22_kd_attached" {
  description = "A22: kernel debugger attached at boot, service table patched (no bug check)"
  append      = "pg.profile=test kd=1"
  requires    = ["driver:attack_a22"]
  step {
    at   = "30ms"
    load = "attack_a22"
  }
  expect { no_bugcheck_for = "3s" }
  expect { serial = "attack_a22: service table entry \\d+ redirected" }
}

scenario "a22_control_without_kd" {
  description = "A22 control: the same driver without kd=1 is detected"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a22"]
  step {
    at     = "30ms"
    load   = "attack_a22"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
}
