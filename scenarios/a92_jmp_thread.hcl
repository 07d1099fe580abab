# A92 (docs/patchguard.md): A73 with calls that are no calls.
# attack_a92_jmp_thread starts a kernel thread of the system process on its
# own routine (thread_create and thread_sleep_ns are not exported: the
# scenario writes their addresses from the built image into the driver, with
# printk's, from which the driver takes the kernel's random base), then
# removes its module record from the module list and the module table. The
# routine reaches thread_sleep_ns and printk by pushing its own return
# address and jumping. Expected: bug check 0x109, region type 0x19 (a
# thread's stack returns into driver code no listed module holds), within
# each profile's bound.
scenario "a92_jmp_thread" {
  description = "A92: a hidden driver's kernel thread that calls the kernel by jumps"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a92_jmp_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a92_jmp_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a92_jmp_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a92_jmp_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a92_jmp_thread!thread_create_at"
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
    serial = "attack_a92: a kernel thread runs the driver's code, calling by jumps; the driver hidden from the module list and table"
  }
}

scenario "a92_jmp_thread_fast" {
  from        = "a92_jmp_thread.hcl#a92_jmp_thread"
  description = "A92: a hidden driver's kernel thread that calls the kernel by jumps (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
