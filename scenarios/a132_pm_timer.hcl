# A132 (docs/patchguard.md): the ACPI PM timer (port 0x608), PatchGuard's
# clock that no instruction sets, moved at the PIIX4 power-management
# function (PMBA to 0x7000) or its I/O decode switched off (PMREGMISC), and
# moved while the tick is stretched by 9 with the TSC held back.
# Expected: bug check 0x109, type 0x17, within the bound.

scenario "a132_pm_move" {
  description = "A132: the PM timer's I/O base moved to 0x7000"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a132_pm_timer"]

  step {
    at     = "30ms"
    load   = "attack_a132_pm_timer move"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a132: the PM timer's I/O base moved to 0x7000"
  }
}

scenario "a132_pm_off" {
  description = "A132: the PM registers' I/O decode switched off"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a132_pm_timer"]

  step {
    at     = "30ms"
    load   = "attack_a132_pm_timer off"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a132: the PM registers' I/O decode switched off"
  }
}

scenario "a132_pm_hold" {
  description = "A132: PM timer moved, tick stretched by 9, the TSC held back"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a132_pm_timer"]

  step {
    at     = "30ms"
    load   = "attack_a132_pm_timer hold"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x7"
    within      = "150ms"
  }
  expect {
    serial = "attack_a132: the PM timer moved to 0x7000, tick stretched by 9, TSC held back"
  }
}

scenario "a132_pm_hold_fast" {
  description = "A132: PM timer moved, tick stretched, TSC held, fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  requires    = ["driver:attack_a132_pm_timer"]

  step {
    at     = "5s"
    load   = "attack_a132_pm_timer hold"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x7"
    within      = "16s"
  }
  expect {
    serial = "attack_a132: the PM timer moved to 0x7000, tick stretched by 9, TSC held back"
  }
}
