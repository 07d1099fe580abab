# A73 (docs/patchguard.md): a hidden driver's code kept running on a kernel
# thread: attack_a73_hidden_thread starts a kernel thread of the system
# process with its own routine (thread_create and thread_sleep_ns are not
# exported: the scenario writes their addresses from the built image into
# the driver, with printk's, from which the driver takes the kernel's
# random base), then removes its module record from the module list and
# the module table. Expected: bug check 0x109, region type 0x19 (a thread's
# stack returns into driver code no listed module holds), within the test
# profile's bound.
scenario "a73_hidden_thread" {
  description = "A73: a hidden driver's code kept running on a kernel thread of its own"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a73_hidden_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a73_hidden_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a73_hidden_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a73_hidden_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a73_hidden_thread!thread_create_at"
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
    serial = "attack_a73: a kernel thread runs the driver's code; the driver hidden from the module list and table"
  }
}

scenario "a73_hidden_thread_fast" {
  description = "A73: a hidden driver's code kept running on a kernel thread of its own (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a73_hidden_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a73_hidden_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a73_hidden_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a73_hidden_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a73_hidden_thread!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "16s"
  }
}
