# Every construct of the language, parsed by TestParseGood.
scenario "everything" {
  description = "all step and expectation kinds"
  append      = "pg.profile=test"
  drivers     = ["initrd", "hello a b"]
  mem         = "64M"
  seeds       = "3..5,9"
  max_time    = "2s"
  requires    = ["driver:hello"]

  step {
    at   = "20ms"
    type = "lsmod"
  }
  step {
    after      = "module-loaded + 5ms"
    after_text = "^hello$"
    load       = "ticktest 3"
  }
  step {
    at    = "100ms"
    start = "spin"
  }
  step {
    after  = "pg-armed"
    jitter = "10ms"
    attack = true
    poke {
      symbol        = "service_table"
      offset        = 8
      value         = "0x4141"
      size          = 4
      restore_after = ["1ms", "5ms"]
    }
  }
  step {
    at = "150ms"
    poke {
      phys  = "0x200000"
      bytes = "e9 00 00 00 00"
    }
  }
  step {
    at = "160ms"
    poke {
      addr = "0xffffffff80100000"
      xor  = "0x1"
      size = 1
    }
  }
  step {
    at = "170ms"
    flip {
      region_type = "0x1|0x0"
      mode        = "byte"
    }
  }
  step {
    at = "180ms"
    msr {
      index = "0xC0000082"
      value = "0xffffffffa0000000"
    }
  }
  step {
    at = "190ms"
    reg {
      name  = "cr4"
      clear = "0x100000"
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4|0x5"
    within      = "100ms"
    measure     = true
  }
  expect { no_bugcheck_for = "50ms" }
  expect {
    event = "module-loaded"
    args  = ["*", "0x2000"]
    text  = "hel+o"
  }
  expect { serial = "kpp> " }
}

scenario "minimal" {
  expect { no_bugcheck_for = "1s" }
}
