# A62 (docs/patchguard.md, limits by design): the tick held back by a factor
# PatchGuard tolerates. attack_a62_dilate restarts the local-APIC timer's
# count with the value it already holds just before it runs out (a tick
# every 6 periods; with `both`, PIT channel 0 restarted the same way, so
# ticks and PIT periods keep their ratio); no register changes, and the
# driver spends five sixths of the processor waiting. attack_a2 hooks
# module_find later (attack_a1 is refused by the default machine's vendor
# driver): the patch is found, later than without the stretch.
scenario "a62_dilate_stretch" {
  description = "A62: the tick stretched by 6 (by design), then attack_a2: detection measured"
  append      = "pg.profile=test"
  seeds       = "1..4"
  max_time    = "2s"
  requires    = ["driver:attack_a62_dilate", "driver:attack_a2"]
  step {
    at   = "30ms"
    load = "attack_a62_dilate"
  }
  step {
    at     = "300ms"
    load   = "attack_a2"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x17"
    within      = "1s"
    measure     = true
  }
  expect { serial = "attack_a62: tick stretched by 6" }
}

scenario "a62_dilate_both" {
  description = "A62: the tick and PIT channel 0 stretched by 6 (by design), then attack_a2: detection measured"
  append      = "pg.profile=test"
  seeds       = "1..4"
  max_time    = "2s"
  requires    = ["driver:attack_a62_dilate", "driver:attack_a2"]
  step {
    at   = "30ms"
    load = "attack_a62_dilate both"
  }
  step {
    at     = "300ms"
    load   = "attack_a2"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x17"
    within      = "1s"
    measure     = true
  }
  expect { serial = "attack_a62: tick and PIT channel 0 stretched by 6" }
}
