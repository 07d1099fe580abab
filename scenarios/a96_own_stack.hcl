# A96 (docs/patchguard.md): A73's hidden kernel thread on a stack of its own. The
# thread's routine first moves its stack pointer into a 16 KiB buffer in the driver's
# data and loops there with ordinary calls (thread_sleep_ns, printk), so every return
# address into the hidden driver lies outside the thread's kernel stack, where the
# walk of its frame chain never went. thread_create and thread_sleep_ns are not
# exported: the scenario writes their addresses (and printk's, for the kernel's random
# base) into the driver. Before: no bug check (342 ms in test, 32 s in fast, seed 1),
# the thread printed on. Expected: bug check 0x109, region type 0x19 (a thread's stack
# pointer must lie in one of the kernel's stacks, and the walk follows that stack),
# within each profile's bound.
scenario "a96_own_stack" {
  description = "A96: a hidden driver's kernel thread on a stack of its own"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a96_own_stack", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a96_own_stack"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a96_own_stack!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a96_own_stack!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a96_own_stack!thread_create_at"
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
    serial = "attack_a96: a kernel thread runs the driver's code on the driver's own stack; the driver hidden from the module list and table"
  }
}

scenario "a96_own_stack_fast" {
  from        = "a96_own_stack.hcl#a96_own_stack"
  description = "A96: a hidden driver's kernel thread on a stack of its own (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
