# A113 (docs/patchguard.md): A73 with the frame chain cut before the driver.
# attack_a113_ret_gadget starts a kernel thread of the system process on its
# own routine (thread_create and thread_sleep_ns are not exported: the
# scenario writes their addresses from the built image into the driver, with
# printk's, from which the driver takes the kernel's random base), then
# removes its module record from the module list and the module table. The
# routine reaches thread_sleep_ns and printk by pushing its continuation and
# then a `ret` in kernel text (the end of ticks()) and jumping with RBP zero:
# the frame chain ends at that zero with a return address in kernel text.
# Before: no bug check in 1 s (test) and 30 s (fast), seed 1; the thread
# printed on. Expected: bug check 0x109, region type 0x19 (a word of a
# thread's live kernel stack leads into executable driver memory no listed
# module holds), within each profile's bound.
scenario "a113_ret_gadget" {
  description = "A113: a hidden driver's kernel thread whose frame chain ends at a kernel ret"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a113_ret_gadget", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a113_ret_gadget"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a113_ret_gadget!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a113_ret_gadget!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a113_ret_gadget!thread_create_at"
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
    serial = "attack_a113: a kernel thread runs the driver's code, its frame chain cut at a kernel ret; the driver hidden from the module list and table"
  }
}

scenario "a113_ret_gadget_fast" {
  from        = "a113_ret_gadget.hcl#a113_ret_gadget"
  description = "A113: a hidden driver's kernel thread whose frame chain ends at a kernel ret (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
