# A8 (docs/patchguard.md): unlink a process from the active process list
# (DKOM hide), leaving it in the PID table.
# Expected: bug check 0x109, region type 0x4 (or 0x5).
scenario "a08_process_list" {
  description = "A8: unlink the current process from the active list"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a8"]

  step {
    at     = "30ms"
    load   = "attack_a8"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4|0x5"
    within      = "150ms"
  }
  expect {
    serial = "attack_a8: process \\d+ unlinked from the active process list"
  }
}

scenario "a08_hide_service" {
  description = "A8: hide a running user process (svc, pid 1) from the active list"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a8"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    after      = "process-created + 10ms"
    after_text = "svc"
    load       = "attack_a8 1"
    attack     = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4|0x5"
    within      = "150ms"
  }
  expect {
    serial = "attack_a8: process 1 unlinked from the active process list"
  }
}
