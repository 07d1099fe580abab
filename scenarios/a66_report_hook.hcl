# A66 (docs/patchguard.md): the kernel formatter's sink hooked past every routine entry the report
# used to check, so that PatchGuard's report spins for ever with interrupts masked (or, with
# `garble`, names another region type); then getpid hooked.
# Expected: bug check 0x109, region type 0xA or 0x1, with the true report and the stop screen.
scenario "a66_report_swallowed" {
  description = "A66: the formatter's sink hooked to swallow PatchGuard's report, then getpid hooked"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a66_report_hook"]

  step {
    at     = "30ms"
    load   = "attack_a66_report_hook"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xA|0x1"
    within      = "150ms"
  }
  expect { serial = "attack_a66: formatter's sink hooked past its entries \\(the report swallowed\\), getpid hooked" }
  expect { serial = "\\*\\*\\* PatchGuard: (system service function \\(region type 0xa\\)|function modification \\(region type 0x1\\)) at kernel\\+0x" }
  expect { serial = "~ pg: detected at " }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}

scenario "a66_report_garbled" {
  description = "A66: the formatter's sink hooked to rename PatchGuard's report, then getpid hooked"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a66_report_hook"]

  step {
    at     = "30ms"
    load   = "attack_a66_report_hook garble"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xA|0x1"
    within      = "150ms"
  }
  expect { serial = "attack_a66: formatter's sink hooked past its entries \\(the report garbled\\), getpid hooked" }
  expect { serial = "\\*\\*\\* PatchGuard: (system service function \\(region type 0xa\\)|function modification \\(region type 0x1\\)) at kernel\\+0x" }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}
