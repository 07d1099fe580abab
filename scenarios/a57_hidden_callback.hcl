# A57 (docs/patchguard.md): hide a driver whose code runs only from a handle filter's post-callback.
# Expected: bug check 0x109, region type 0x18 (0x19 when a pass walks the module list first),
# within the test profile's bound.
scenario "a57_hidden_callback" {
  description = "A57: hide a driver that keeps a handle filter's post-callback (no timer)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a57_hidden_callback", "driver:hello"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a57_hidden_callback"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18|0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a57: module record removed from the module list and table, a handle post-callback left"
  }
}
