# A8 (PATCHGUARD.md §3): unlink a process from the active list (DKOM hide).
# Expected: bug check 0x109, region type 0x4|0x5.
scenario "a08_process_list" {
  description = "A8: unlink a process from the active list (DKOM hide)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a8"]

  step {
    at   = "30ms"
    load = "attack_a8"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4|0x5"
    within      = "3s"
  }
}
