# A90 (docs/patchguard.md): A71 in the windows profile. The NMI compares the
# triggers' sealed records there on one NMI in 256; that NMI was chosen by the
# NMI's own count, which the windows profile does not seal and which stops
# once the NMI's "on" record is cleared. The host writes 1 into the count,
# clears the tick hook's, the PIT watchdog's and the piggy-back's "started"
# records and the NMI's "on" by their symbols in the built image, then
# attack_a50_freeze (typed at the shell at the same guest time, so it acts
# after the pokes) clears PatchGuard's live and armed flags, cancels its
# timer and hooks getpid.
# Expected: bug check 0x109, region type 0x101 (the records differ from
# their sealed hash), within the windows profile's bound (the NMI that
# draws the compare may come before the driver has printed its line).
scenario "a90_windows_records" {
  description = "A90: A71 in the windows profile, the NMI's count set so it never draws the records' compare"
  append      = "pg.profile=windows"
  max_time    = "10m"
  requires    = ["driver:attack_a50_freeze", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on", "symbol:nmi_count"]

  step {
    at   = "5s"
    load = "attack_a50_freeze"
  }
  step {
    at     = "5s"
    attack = true
    poke {
      symbol = "nmi_count"
      value  = 1
      size   = 8
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "tick_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "wd_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "piggy_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "nmi_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "9m"
  }
}
