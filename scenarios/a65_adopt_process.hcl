# A65 (docs/patchguard.md): a process hidden inside the system process: attack_a65_adopt removes svc from the process list, the PID table and the handle-table list (as A44), hands its thread to the system process and gives the system process svc's address space.
# Expected: bug check 0x109, region type 0x4, within the test profile's bound.
scenario "a65_adopt_process" {
  description = "A65: a hidden process's thread and address space handed to the system process"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a65_adopt", "program:svc"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at     = "40ms"
    load   = "attack_a65_adopt 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4"
    within      = "150ms"
  }
  expect {
    serial = "attack_a65: process 1 hidden, its threads and address space handed to the system process"
  }
}

scenario "a65_adopt_process_kernel" {
  description = "A65: a hidden process's thread handed to the system process, its memory mapped in the kernel's PML4"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a65_adopt", "program:svc"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at     = "40ms"
    load   = "attack_a65_adopt 1 kernel"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a65: process 1 hidden, its threads handed to the system process, its memory to the kernel's PML4"
  }
}
