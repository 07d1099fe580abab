# A93: attack_a93_borrowed_text writes a sleep loop into the unused end of vendor_sample's last text
# page (CR0.WP off), starts a kernel thread of the system process on it (thread_create and
# thread_sleep_ns from the built image, as A73), then removes its own module record from the module
# list and the module table. Every return address of the thread lies in a listed module's image.
# Before driver text was sealed at load: no bug check (test 342 ms, fast 32 s, seeds 1-2). Now every
# loaded driver's text pages (whole pages, the slack included) are hashed: 0x109 type 0x1 at the page.
scenario "a93_borrowed_text" {
  description = "A93: a hidden driver's kernel thread on code written into vendor_sample's text"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a93_borrowed_text", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a93_borrowed_text"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a93_borrowed_text!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a93_borrowed_text!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a93_borrowed_text!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a93: a kernel thread runs code written into vendor_sample.s text"
  }
}

scenario "a93_borrowed_text_fast" {
  from        = "a93_borrowed_text.hcl#a93_borrowed_text"
  description = "A93: a hidden driver's kernel thread on code written into vendor_sample's text (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}
