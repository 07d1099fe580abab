# A19 campaign: detection probability of a patch that is undone after
# restore_after, 50 seeds per duration, test profile (passes every 5-15 ms,
# each checking about a quarter of the regions plus a rotating cursor).
scenario "a19_race_full" {
  description = "A19: service-table patch kept for 100us..50ms, 50 seeds each"
  append      = "pg.profile=test"
  seeds       = "1..50"
  step {
    after  = "pg-armed + 30ms"
    jitter = "20ms"
    attack = true
    poke {
      symbol        = "service_table"
      offset        = 40
      xor           = "0x80"
      size          = 1
      restore_after = ["100us", "1ms", "5ms", "10ms", "20ms", "50ms", "100ms"]
    }
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "300ms"
    measure     = true
  }
}
