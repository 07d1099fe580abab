# A84 (docs/patchguard.md): IOPL 3 in the RFLAGS a program's return to
# ring 3 restores (saved at the top of its thread's kernel stack by the
# system call it sleeps in): `fault port`, which reads port 0x61 after a
# sleep, would survive instead of being killed.
# Expected: bug check 0x109, region type 0x112 (task state segment), within the test profile's bound.
scenario "a84_iopl" {
  description = "A84: IOPL 3 in a sleeping program's saved RFLAGS"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a84_iopl", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "40ms"
    load   = "attack_a84_iopl 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a84: process 1's saved RFLAGS carry IOPL 3"
  }
}
