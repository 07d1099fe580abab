# A152 (docs/patchguard.md): ports for ring 3 from TR's cached limit.
# attack_a152_tr_cache loads TR from a TSS descriptor whose limit it made
# 8 KiB longer and writes the descriptor back as it was at once: nothing a
# checker reads differs, but the processor's I/O-permission checks reach
# past the end of the TSS. `fault port` reads port 0x61 after a sleep.
# Before: it survived (the kernel data after a TSS without a map of its
# own read as zero bits). Expected: the program is killed by a #GP (the
# kernel's TSS carries a map of its own to its limit, every bit set, so
# a longer limit cached grants nothing), no bug check.
scenario "a152_tr_cache" {
  description = "A152: TR loaded with a longer TSS limit, the GDT put back: no port for ring 3"
  append      = "pg.profile=test"
  max_time    = "4s"
  requires    = ["driver:attack_a152_tr_cache", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "40ms"
    load   = "attack_a152_tr_cache"
    attack = true
  }

  expect { no_bugcheck_for = "4s" }
  expect {
    serial = "attack_a152: TR loaded with the TSS limit 8 KiB longer; the GDT's descriptor put back as it was"
  }
  expect {
    serial = "proc: pid 1 \\(fault\\) killed: general protection"
  }
}

scenario "a152_tr_cache_fast" {
  from        = "a152_tr_cache.hcl#a152_tr_cache"
  description = "A152 in the fast profile"
  append      = "pg.profile=fast"
}
