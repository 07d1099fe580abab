# A56 (docs/patchguard.md): the local-APIC timer slowed or stopped without touching its count: divide configuration, LVT mask, one-shot mode.
# Expected: bug check 0x109, region type 0x17 (or 0x101), within the test profile's bound.

scenario "a56_apic_divide" {
  description = "A56: the local-APIC timer's divide configuration set to 128"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a56_apic_timer"]

  step {
    at     = "30ms"
    load   = "attack_a56_apic_timer"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a56: timer divide set to 128"
  }
}

scenario "a56_apic_lvt_mask" {
  description = "A56: the LVT timer masked"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a56_apic_timer"]

  step {
    at     = "30ms"
    load   = "attack_a56_apic_timer mask"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a56: LVT timer masked"
  }
}

scenario "a56_apic_oneshot" {
  description = "A56: the LVT timer switched to one-shot"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a56_apic_timer"]

  step {
    at     = "30ms"
    load   = "attack_a56_apic_timer oneshot"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a56: LVT timer switched to one\\-shot"
  }
}
