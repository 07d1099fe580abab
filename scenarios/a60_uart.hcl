# A60 (docs/patchguard.md): hook getpid, then turn COM1's output off (divisor latch open; loopback).
# Expected: bug check 0x109, region type 0xA, with the report and the stop screen on the serial line.
scenario "a60_uart_dlab" {
  description = "A60: getpid hooked, COM1's divisor latch left open so the stop screen goes nowhere"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a60_uart"]

  step {
    at     = "30ms"
    load   = "attack_a60_uart"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xA"
    within      = "150ms"
  }
  expect { serial = "attack_a60: getpid hooked, COM1 with its divisor latch open" }
  expect { serial = "\\*\\*\\* PatchGuard: system service function \\(region type 0xa\\)" }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}

scenario "a60_uart_loop" {
  description = "A60: getpid hooked, COM1 in loopback so the stop screen goes nowhere"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a60_uart"]

  step {
    at     = "30ms"
    load   = "attack_a60_uart loop"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xA"
    within      = "150ms"
  }
  expect { serial = "attack_a60: getpid hooked, COM1 in loopback" }
  expect { serial = "\\*\\*\\* PatchGuard: system service function \\(region type 0xa\\)" }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}
