# A48 (docs/patchguard.md): write a notify entry directly, then re-seal it
# by calling PatchGuard's (unexported) pg_seal_update, whose address the
# attacker takes from the built image: the scenario pokes it into the
# driver. Expected: bug check 0x109, region type 0x101 (the sealing calls
# refuse callers outside kernel text), within the test profile's bound.
scenario "a48_reseal_call" {
  description = "A48: re-seal a direct write by calling pg_seal_update from a driver"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a48_reseal", "symbol:pg_seal_update"]

  step {
    at   = "30ms"
    load = "attack_a48_reseal"
  }
  step {
    at     = "60ms"
    attack = true
    poke {
      symbol = "attack_a48_reseal!seal_update_at"
      value  = "pg_seal_update"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a48: notify entry redirected, re-sealing through pg_seal_update"
  }
}
