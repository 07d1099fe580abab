# A61 (docs/patchguard.md, limits by design): a TLB split of PatchGuard's own
# code page (its instruction-fetch probe) next to the split that hooks getpid,
# both set up again on every tick: the checker reads the original pages and
# executes the copies. No bug check, by design; `svc` runs through the hook.
scenario "a61_split_checker" {
  description = "A61: getpid's page and PatchGuard's probe page split (by design: no bug check)"
  seeds       = "1..4"
  requires    = ["driver:attack_a61_split_checker", "program:svc"]
  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a61_split_checker"
    attack = true
  }
  expect { no_bugcheck_for = "60s" }
  expect { serial = "~ svc 4242: heartbeat" }
  expect { serial = "attack_a61: splits set up 10 times" }
}
