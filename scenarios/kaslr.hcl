# The kernel runs at a per-boot random base by default (kernel/README.md),
# so every scenario here and in the catalogue runs with it: drivers link
# against the export table and find what they attack, the host names and
# writes kernel symbols (it learns the base from the kernel-base event),
# and PatchGuard stops each patch with its type. This file pins the
# opt-out (the image at its link address: kaslr=0, nokaslr) and the
# explicit kaslr=1 against the same outcomes.

scenario "nokaslr_a01_service_table" {
  description = "A1 with the kernel at its link address (nokaslr)"
  append      = "nokaslr pg.profile=test"
  drivers     = ["initrd"]
  requires    = ["driver:attack_a1"]
  seeds       = "1..3"
  step {
    at     = "30ms"
    load   = "attack_a1"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
}

# A host-side write at a kernel symbol lands where the kernel runs it.
scenario "nokaslr_host_poke" {
  description = "a service-table entry written by the host, kernel at its link address (kaslr=0)"
  append      = "kaslr=0 pg.profile=test"
  seeds       = "1..3"
  step {
    after  = "pg-armed + 20ms"
    attack = true
    poke {
      symbol = "service_table"
      offset = 8
      value  = "kmain"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
}

# A48 with the kernel moved: the address of pg_seal_update the scenario
# hands the driver is the moved one, and the call is still refused.
scenario "kaslr_a48_reseal_call" {
  description = "A48 with the kernel at a random base"
  append      = "kaslr=1 pg.profile=test"
  requires    = ["driver:attack_a48_reseal", "symbol:pg_seal_update"]
  step {
    at   = "30ms"
    load = "attack_a48_reseal"
  }
  step {
    at     = "60ms"
    attack = true
    poke {
      symbol = "attack_a48_reseal!seal_update_at"
      value  = "pg_seal_update"
      size   = 8
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
}

# A23's flips with the kernel moved (the regions come from the guest's
# announcements, at the moved addresses).
scenario "kaslr_a23_random_flip" {
  description = "A23 with the kernel at a random base, 10 seeds"
  append      = "kaslr=1 pg.profile=test"
  seeds       = "1..10"
  step {
    after  = "pg-armed + 5ms"
    jitter = "20ms"
    attack = true
    flip { region_type = "any" }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "flipped|0x101"
    within      = "100ms"
    crash_ok    = true
  }
}
