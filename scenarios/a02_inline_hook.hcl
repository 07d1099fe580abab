# A2 (docs/patchguard.md): inline hook (5-byte jmp) in a kernel function through CR0.WP=0.
# Expected: bug check 0x109, region type 0x1, within the test profile's bound.
scenario "a02_inline_hook" {
  description = "A2: inline hook (5-byte jmp) in a kernel function through CR0.WP=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a2"]

  step {
    at   = "30ms"
    load = "attack_a2"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a2: module_find at kernel\\+0x[0-9a-f]+ hooked"
  }
}
