# A53 (docs/patchguard.md): hide a working driver whose timer routine is a jmp rsi in kernel text.
# Expected: bug check 0x109, region type 0x19, within the test profile's bound.
scenario "a53_hide_gadget" {
  description = "A53: hide a driver whose timer's routine is a jmp rsi found in kernel text"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a53_hide_gadget", "driver:hello"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a53_hide_gadget"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a53: module record removed from the module list and table, its timer routed through a kernel jmp rsi"
  }
}
