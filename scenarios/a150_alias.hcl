# A150 (docs/patchguard.md): a driver's code moved to pool memory and run
# through an executable mapping of its own, then the driver unloaded the
# ordinary way. attack_a150_alias (thread_create, thread_sleep_ns and
# printk written into it from the built image, as for A73) copies a loop
# of position-independent code into a pool page, maps that page's frame
# executable through a 1 GiB page in the direct map's PDPT past RAM
# (`pd`: a 2 MiB page in the kernel image's own page directory), starts a
# kernel thread of the system process there, and is unloaded with
# `unload`. Expected: bug check 0x109, region type 0x19 (an executable
# page of the kernel half that is neither kernel text nor a listed
# module's), within the profile's bound.
scenario "a150_alias" {
  description = "A150: driver code run from pool through a 1 GiB alias, the driver unloaded"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a150_alias", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a150_alias"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a150_alias!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a150_alias!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
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
    serial = "attack_a150: a kernel thread runs the driver's code from pool through a 1 GiB page beside the direct map"
  }
}

scenario "a150_alias_pd" {
  description = "A150: driver code run from pool through a 2 MiB page by the kernel image, the driver unloaded"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a150_alias", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a150_alias pd"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a150_alias!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a150_alias!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
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
    serial = "attack_a150: a kernel thread runs the driver's code from pool through a 2 MiB page in the image's directory"
  }
}

scenario "a150_alias_fast" {
  from        = "a150_alias.hcl#a150_alias"
  description = "A150 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
