# A151 (docs/patchguard.md): A150 with the code in a process's user half.
# attack_a150_alias `user 1` maps the pool page holding its code as a
# supervisor page (no user bit) under a PML4 entry of its own in svc's
# address space and starts a kernel thread of svc there (the switch to it
# loads svc's address space); the driver is then unloaded. The walk of
# executable pages covered the kernel half, and the kernel's own user
# half, only. Expected: bug check 0x109, region type 0x19 (a supervisor
# entry in a process's user half), within the profile's bound.
scenario "a151_user_half" {
  description = "A151: driver code run from pool through a supervisor page in svc's user half"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a150_alias", "program:svc", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at   = "60ms"
    load = "attack_a150_alias user 1"
  }
  step {
    at = "70ms"
    poke {
      symbol = "attack_a150_alias!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "71ms"
    poke {
      symbol = "attack_a150_alias!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "72ms"
    attack = true
    poke {
      symbol = "attack_a150_alias!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }
  step {
    after      = "log"
    after_text = "^attack_a150: hidden thread started$"
    type       = "unload attack_a150_alias"
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a150: a kernel thread runs the driver's code from pool through a supervisor page in a process's user half"
  }
}


scenario "a151_user_half_fast" {
  from        = "a151_user_half.hcl#a151_user_half"
  description = "A151 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
