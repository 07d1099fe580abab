# A116 (docs/patchguard.md): a kernel thread taken off the list of every
# thread. attack_a116_unlisted_waiter (listed itself) starts a kernel thread
# of the system process and takes it off all_threads, the list the passes
# walk with their stack scans; thread_create, wait_block, wait_wake_one,
# thread_sleep_ns and all_threads are not exported: the scenario writes their
# addresses from the built image into the driver, with printk's, from which
# it takes the kernel's random base. By default the thread blocks on the
# driver's wait queue, which the driver's timer wakes every 10 ms (seen only
# while ready or running); `sleep`: it sleeps on the sleepers instead.
# Before: no bug check in 1 s (test) and 30 s (fast), seed 1; the thread
# counted on. Expected: bug check 0x109, region type 0x4 (the scheduler
# switches only to a thread on the list of every thread; the passes require
# every ready and sleeping thread on it), within each profile's bound.
scenario "a116_unlisted_waiter" {
  description = "A116: a kernel thread off all_threads, waiting on a driver's wait queue"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a116_unlisted_waiter", "symbol:thread_create", "symbol:all_threads"]

  step {
    at   = "30ms"
    load = "attack_a116_unlisted_waiter"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!all_threads_at"
      value  = "all_threads"
      size   = 8
    }
  }
  step {
    at = "42ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!wait_block_at"
      value  = "wait_block"
      size   = 8
    }
  }
  step {
    at = "43ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!wait_wake_at"
      value  = "wait_wake_one"
      size   = 8
    }
  }
  step {
    at = "44ms"
    attack = true
    poke {
      symbol = "attack_a116_unlisted_waiter!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4"
    within      = "150ms"
  }
  expect {
    serial = "attack_a116: a kernel thread off the list of every thread, waiting on the driver's wait queue"
  }
}

scenario "a116_unlisted_waiter_fast" {
  from        = "a116_unlisted_waiter.hcl#a116_unlisted_waiter"
  description = "A116: a kernel thread off all_threads, waiting on a driver's wait queue (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a116_unlisted_sleeper" {
  description = "A116: a kernel thread off all_threads, sleeping"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a116_unlisted_waiter", "symbol:thread_create", "symbol:all_threads"]

  step {
    at   = "30ms"
    load = "attack_a116_unlisted_waiter sleep"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!all_threads_at"
      value  = "all_threads"
      size   = 8
    }
  }
  step {
    at = "42ms"
    poke {
      symbol = "attack_a116_unlisted_waiter!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at = "43ms"
    attack = true
    poke {
      symbol = "attack_a116_unlisted_waiter!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4"
    within      = "150ms"
  }
  expect {
    serial = "attack_a116: a kernel thread off the list of every thread, sleeping"
  }
}
