# A54 (docs/patchguard.md): turn the module list into a cycle, so a report that names an address by walking it never ends.
# Expected: bug check 0x109, region type 0x19, within the test profile's bound.
scenario "a54_report_loop" {
  description = "A54: link a module record to itself, so the detection's report would walk the module list for ever"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a54_report_loop"]

  step {
    at     = "30ms"
    load   = "attack_a54_report_loop"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a54: own module record linked to itself, the module list is a cycle"
  }
}
