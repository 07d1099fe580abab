# A82 (docs/patchguard.md): one input of the tick or the watchdogs changed
# at a time so that it keeps running, slower or elsewhere: the LVT timer's
# vector, its divide configuration doubled, CR8 above the tick's class, the
# master PIC's vector base, the NMI entry's destination and trigger mode.
# Expected: bug check 0x109, region type 0x17 or 0x101, within the test
# profile's bound.

scenario "a82_lvt_vector" {
  description = "A82: the LVT timer's vector moved up by one"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a82_time_inputs"]

  step {
    at     = "30ms"
    load   = "attack_a82_time_inputs lvt_vector"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a82: the LVT timer's vector moved up by one"
  }
}

scenario "a82_div2" {
  description = "A82: the timer's divide configuration doubled"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a82_time_inputs"]

  step {
    at     = "30ms"
    load   = "attack_a82_time_inputs div2"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a82: the timer's divide configuration doubled"
  }
}

scenario "a82_cr8" {
  description = "A82: CR8 raised to 14"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a82_time_inputs"]

  step {
    at     = "30ms"
    load   = "attack_a82_time_inputs cr8"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a82: CR8 raised to 14"
  }
}

scenario "a82_pic_base" {
  description = "A82: the master PIC's vectors moved to 0x28"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a82_time_inputs"]

  step {
    at     = "30ms"
    load   = "attack_a82_time_inputs pic_base"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a82: the master PIC's vectors moved to 0x28"
  }
}

scenario "a82_ioapic_dest" {
  description = "A82: the NMI entry's destination set to APIC ID 1"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a82_time_inputs"]

  step {
    at     = "30ms"
    load   = "attack_a82_time_inputs ioapic_dest"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a82: the NMI entry's destination set to APIC ID 1"
  }
}

scenario "a82_ioapic_level" {
  description = "A82: the NMI entry made level-triggered"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a82_time_inputs"]

  step {
    at     = "30ms"
    load   = "attack_a82_time_inputs ioapic_level"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a82: the NMI entry made level\\-triggered"
  }
}
