# A95 (docs/patchguard.md): both watchdogs silenced and their plain heartbeats forged,
# then A59's TLB split. attack_a95_silence initialises the master PIC again with its
# vectors at 0x28 (IRQ 0, the PIT watchdog, arrives at the slave's first vector; the
# mask register reads as before), masks the NMI's redirection entry at the I/O APIC,
# and from a timer of its own writes the current tick into pg.wd_beat and pg.nmi_beat
# on every tick, where it also sets up the split of getpid's text page again (which
# only the NMI's instruction-fetch probe saw). Before: no bug check in 2 s (test) and
# 29 s (fast), `svc` printed pid 4242. Expected: bug check 0x109, region type 0x101
# (the tick hook requires the watchdog's and the NMI's own counts, sealed under
# PatchGuard's own key, to move within the heartbeat's 8 ticks), or 0x111 when an
# instruction-fetch probe the tick hook asks for (A97) finds the split first, within each
# profile's bound; `nosplit` (the watchdogs alone): 0x101.
scenario "a95_silence" {
  description = "A95: both watchdogs silenced, their heartbeats forged, then A59's split (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a95_silence", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a95_silence"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a95: both watchdogs silenced, their heartbeats forged on every tick, getpid's text page split"
  }
}

scenario "a95_silence_fast" {
  description = "A95 in the fast profile"
  max_time    = "8s"
  requires    = ["driver:attack_a95_silence", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a95_silence"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x111"
    within      = "2s"
  }
  expect {
    serial = "attack_a95: both watchdogs silenced, their heartbeats forged on every tick, getpid's text page split"
  }
}

scenario "a95_silence_nosplit" {
  description = "A95: both watchdogs silenced, their heartbeats forged, nothing else (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a95_silence"]

  step {
    at     = "30ms"
    load   = "attack_a95_silence nosplit"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a95: both watchdogs silenced, their heartbeats forged on every tick\n"
  }
}

scenario "a95_silence_nosplit_fast" {
  description = "A95: both watchdogs silenced, their heartbeats forged, nothing else (fast profile)"
  max_time    = "8s"
  requires    = ["driver:attack_a95_silence"]

  step {
    at     = "200ms"
    load   = "attack_a95_silence nosplit"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "2s"
  }
}

# In the windows profile (bound about 9 minutes), whose running counts are not sealed:
# the tick hook's full checks (one tick in 16) compare the NMI's I/O APIC entry
# themselves (0x17), before that only the silenced NMI's own checks did; the probe the
# tick hook asks for may find the split first (0x111).
scenario "a95_silence_windows" {
  description = "A95 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  requires    = ["driver:attack_a95_silence", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a95_silence"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x111"
    within      = "9m"
  }
  expect {
    serial = "attack_a95: both watchdogs silenced, their heartbeats forged on every tick, getpid's text page split"
  }
}
