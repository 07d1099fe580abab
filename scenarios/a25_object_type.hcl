# A25 (docs/patchguard.md, object types): redirect a method of the process
# object type (taken from the kernel's export process_object_type, as a
# rootkit takes PsProcessType) to driver code that chains to the original.
# Expected: bug check 0x109, region type 0x8.
scenario "a25_object_type" {
  description = "A25: hook the process object type's delete method"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a25_objtype"]

  step {
    at     = "30ms"
    load   = "attack_a25_objtype"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x8"
    within      = "150ms"
  }
  expect {
    serial = "attack_a25: Process object type's delete method hooked"
  }
}

scenario "a25_object_type_close" {
  description = "A25: hook the process object type's close method"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a25_objtype"]

  step {
    at     = "30ms"
    load   = "attack_a25_objtype close"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x8"
    within      = "150ms"
  }
  expect {
    serial = "attack_a25: Process object type's close method hooked"
  }
}
