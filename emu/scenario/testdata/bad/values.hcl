scenario "bad_values" {
  seeds    = "5..1"
  max_time = "10 parsecs"
  mem      = "lots"
  colour   = "blue"
  step {
    at    = "1s"
    after = "pg-armed"
    type  = "lsmod"
  }
  step {
    after = "no-such-event + 1s"
    load  = "hello"
  }
  step {
    at = "1s"
  }
  step {
    at   = "2s"
    type = "a"
    flip { region_type = "one" }
  }
  step {
    at = "3s"
    poke {
      symbol = "x"
      phys   = "0x10"
      bytes  = "zz"
    }
  }
  step {
    at = "3s"
    reg {
      name  = "xmm0"
      value = "1"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xzz"
  }
  expect {
    serial = "(unclosed"
  }
  expect {
    no_bugcheck_for = "1s"
    serial          = "x"
  }
  expect {}
}

scenario "good_neighbour" {
  expect { no_bugcheck_for = "1s" }
}
