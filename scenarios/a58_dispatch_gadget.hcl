# A58 (docs/patchguard.md): point another driver's dispatch entry and unload routine at kernel text.
# Expected: bug check 0x109, region type 0x1C, within the test profile's bound.
scenario "a58_dispatch_gadget" {
  description = "A58: hello's dispatch entry 0 and unload routine pointed at an xor eax, eax; ret in kernel text"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a58_dispatch_gadget", "driver:hello"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a58_dispatch_gadget"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1C"
    within      = "150ms"
  }
  expect {
    serial = "attack_a58: hello's dispatch entry 0 and unload routine now point at kernel text"
  }
}
