# A99 (docs/patchguard.md): control-register bits PatchGuard did not compare (it
# compared CR0's PE, PG and WP and CR4's PAE, PGE, SMEP, SMAP and UMIP): CR4.PCE set
# (ring 3 may read the performance counters), CR4.TSD set, CR4.OSFXSR cleared, CR0.AM
# set, CR0.CD set. Before: no bug check in 330 ms (test, seed 1), every mode. Expected:
# bug check 0x109, region type 0x15 (every bit of CR0 and CR4 as armed), within each
# profile's bound.
scenario "a99_pce" {
  description = "A99: a control-register bit PatchGuard did not compare (pce)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a99_control_bits"]

  step {
    at     = "30ms"
    load   = "attack_a99_control_bits pce"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a99: control register bit changed \\(pce\\)"
  }
}

scenario "a99_tsd" {
  description = "A99: a control-register bit PatchGuard did not compare (tsd)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a99_control_bits"]

  step {
    at     = "30ms"
    load   = "attack_a99_control_bits tsd"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a99: control register bit changed \\(tsd\\)"
  }
}

scenario "a99_osfxsr" {
  description = "A99: a control-register bit PatchGuard did not compare (osfxsr)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a99_control_bits"]

  step {
    at     = "30ms"
    load   = "attack_a99_control_bits osfxsr"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a99: control register bit changed \\(osfxsr\\)"
  }
}

scenario "a99_am" {
  description = "A99: a control-register bit PatchGuard did not compare (am)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a99_control_bits"]

  step {
    at     = "30ms"
    load   = "attack_a99_control_bits am"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a99: control register bit changed \\(am\\)"
  }
}

scenario "a99_cd" {
  description = "A99: a control-register bit PatchGuard did not compare (cd)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a99_control_bits"]

  step {
    at     = "30ms"
    load   = "attack_a99_control_bits cd"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "150ms"
  }
  expect {
    serial = "attack_a99: control register bit changed \\(cd\\)"
  }
}

scenario "a99_pce_fast" {
  description = "A99: CR4.PCE set (fast profile)"
  max_time    = "20s"
  requires    = ["driver:attack_a99_control_bits"]

  step {
    at     = "200ms"
    load   = "attack_a99_control_bits pce"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x15"
    within      = "16s"
  }
}
