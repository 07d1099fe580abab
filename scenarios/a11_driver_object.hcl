# A11 (docs/patchguard.md): redirect a driver object's dispatch entry outside the driver.
# Expected: bug check 0x109, region type 0x1c, within the test profile's bound.
scenario "a11_driver_object" {
  description = "A11: redirect a driver object's dispatch entry outside the driver"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a11"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at   = "50ms"
    load = "attack_a11 hello"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1c"
    within      = "150ms"
  }
  expect {
    serial = "attack_a11: hello's dispatch entry 0 now points into attack_a11"
  }
}
