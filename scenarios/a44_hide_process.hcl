# A44 (docs/patchguard.md): hide a running process from the process list, the PID table and the handle-table list.
# Expected: bug check 0x109, region type 0x4, within the test profile's bound.
scenario "a44_hide_process" {
  description = "A44: hide a running process from the process list, the PID table and the handle-table list"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a44_hide_process", "program:svc"]

  step {
    at   = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a44_hide_process 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4"
    within      = "150ms"
  }
  expect {
    serial = "attack_a44: process 1 hidden from the process list, the PID table and the handle\\-table list"
  }
}
