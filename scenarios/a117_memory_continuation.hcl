# A117 (docs/patchguard.md): a hidden driver's kernel thread whose stack holds
# no word leading into the driver: attack_a117_memory_continuation starts a
# kernel thread of the system process on its routine, which each round drops
# thread_entry's return address, pushes thread_entry's call through the
# thread's routine (`call *fn(%rax)`, found by its bytes) and jumps into
# thread_sleep_ns: the continuation is the routine pointer in the thread
# object, reached through a register loaded from memory. thread_create,
# thread_sleep_ns and thread_entry are not exported: the scenario writes
# their addresses from the built image into the driver, with printk's, from
# which it takes the kernel's random base. The driver then removes its module
# record from the module list and the module table. Before: no bug check in
# 1 s (test) and 30 s (fast), seed 1; the thread printed on. Expected: bug
# check 0x109, region type 0x19 (an executable page in the driver area that
# no listed module's text holds), within each profile's bound.
scenario "a117_memory_continuation" {
  description = "A117: a hidden driver's thread whose continuation lies only in its routine pointer"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a117_memory_continuation", "symbol:thread_create", "symbol:thread_entry"]

  step {
    at   = "30ms"
    load = "attack_a117_memory_continuation"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a117_memory_continuation!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a117_memory_continuation!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at = "42ms"
    poke {
      symbol = "attack_a117_memory_continuation!thread_entry_at"
      value  = "thread_entry"
      size   = 8
    }
  }
  step {
    at = "43ms"
    attack = true
    poke {
      symbol = "attack_a117_memory_continuation!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a117: a kernel thread whose continuation is its routine only; the driver hidden from the module list and table"
  }
}

scenario "a117_memory_continuation_fast" {
  from        = "a117_memory_continuation.hcl#a117_memory_continuation"
  description = "A117: a hidden driver's thread whose continuation lies only in its routine pointer (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
