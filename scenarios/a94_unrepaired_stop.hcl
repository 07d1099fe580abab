# A94 (class 8): the stop path is put back from the context that detects, but a detection whose context
# is unusable (its slot rewritten) used the linked stop path as it was. The host writes cli; hlt; jmp
# over the entry of pg_report and points context 0's slot (pg.slot[0].enc, offset 48 of struct
# pg_state) nowhere: the next tick hook finds the slot dead, pg_fail opens context 0, and pg_open
# reports with no context. Before: pg_report halted with interrupts masked, the NMI that followed did
# the same inside the NMI: dead halt 0.7 ms after the pokes, no report, no 0x109 (seeds 1-2). Now a
# detection with no usable context first repairs the stop path from every other copy: each slot's
# context that decrypts to its magic, then the shadow (the encrypted copy of the hashed regions taken
# at arming), which the own key's cell locates. `both` also points context 1's slot (or the decoy's)
# nowhere, so only the shadow's copy is left.
scenario "a94_unrepaired_stop" {
  description = "A94: pg_report's entry made cli; hlt, then context 0's slot pointed nowhere"
  append      = "pg.profile=test"
  max_time    = "1s"
  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "pg_report"
      bytes  = "fa f4 eb fd"
    }
  }
  step {
    at = "30ms"
    poke {
      symbol = "pg"
      offset = 48
      value  = "0x1234"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "\\*\\*\\* PatchGuard: checker context corruption or missed heartbeat \\(region type 0x101\\)"
  }
}

scenario "a94_unrepaired_stop_both" {
  description = "A94: pg_report's entry made cli; hlt, then both contexts' slots pointed nowhere"
  append      = "pg.profile=test"
  max_time    = "1s"
  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "pg_report"
      bytes  = "fa f4 eb fd"
    }
  }
  step {
    at = "30ms"
    poke {
      symbol = "pg"
      offset = 48
      value  = "0x1234"
    }
  }
  step {
    at = "30ms"
    poke {
      symbol = "pg"
      offset = 72
      value  = "0x1234"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "\\*\\*\\* PatchGuard: checker context corruption or missed heartbeat \\(region type 0x101\\)"
  }
}

scenario "a94_unrepaired_stop_fast" {
  description = "A94: pg_report's entry made cli; hlt, then both contexts' slots pointed nowhere (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "20s"
  step {
    at     = "3s"
    attack = true
    poke {
      symbol = "pg_report"
      bytes  = "fa f4 eb fd"
    }
  }
  step {
    at = "3s"
    poke {
      symbol = "pg"
      offset = 48
      value  = "0x1234"
    }
  }
  step {
    at = "3s"
    poke {
      symbol = "pg"
      offset = 72
      value  = "0x1234"
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}
