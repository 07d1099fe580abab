# A47 (docs/patchguard.md): make printk spin for ever (the console a detection reports on).
# Expected: bug check 0x109, region type 0x1, with its stop screen, within the test profile's bound.
scenario "a47_printk_hang" {
  description = "A47: make printk spin for ever (the console a detection reports on)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a47_printk_hang"]

  step {
    at     = "30ms"
    load   = "attack_a47_printk_hang"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a47: printk now spins for ever"
  }
  expect {
    serial = "\\*\\*\\* STOP: 0x00000109 .*\\n\\*\\*\\* CRITICAL_STRUCTURE_CORRUPTION\\n\\*\\*\\* system halted"
  }
}
