# A85 (docs/patchguard.md): what a return to ring 3 restores, written just
# before it happens. `fault port` sleeps 3 s in a system call and then
# reads port 0x61; the driver waits (a timer of its own on every tick)
# until the sleep ends at the next tick and only then sets IOPL 3 in the
# RFLAGS its SYSRET restores (A84 writes them while the program sleeps,
# which the passes see). With `if` it clears the interrupt flag instead;
# with `now` and `vip` it sets the virtual-interrupt-pending flag in the
# IRET frame of a spinning program that is ready to run.
# Expected: bug check 0x109, region type 0x112 (task state segment), at
# the return, before the program runs an instruction with it: no line of
# the program's comes between the driver's and PatchGuard's report. The
# waking variants run in the fast profile, whose passes are rare enough
# that only the return can see the write (the test profile's 20 seeds:
# scenarios/campaign/pg_hardening.hcl).

scenario "a85_wake_iopl" {
  description = "A85: IOPL 3 written one tick before a program wakes"
  append      = "pg.profile=fast"
  max_time    = "6s"
  requires    = ["driver:attack_a85_user_return", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "2950ms"
    load   = "attack_a85_user_return 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a85: process 1's saved RFLAGS changed \\(iopl\\) before its return to ring 3\\n(?:[^f].*\\n|\\n)*\\*\\*\\* PatchGuard"
  }
}

scenario "a85_wake_if" {
  description = "A85: interrupts masked in what a waking program's return restores"
  append      = "pg.profile=fast"
  max_time    = "6s"
  requires    = ["driver:attack_a85_user_return", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "2950ms"
    load   = "attack_a85_user_return 1 if"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a85: process 1's saved RFLAGS changed \\(if\\) before its return to ring 3\\n(?:[^f].*\\n|\\n)*\\*\\*\\* PatchGuard"
  }
}

scenario "a85_spin_vip" {
  description = "A85: VIP in a preempted program's IRET frame"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a85_user_return", "program:spin"]

  step {
    at    = "20ms"
    start = "spin 1000000000"
  }
  step {
    at     = "60ms"
    load   = "attack_a85_user_return 1 vip now"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a85: process 1's saved RFLAGS changed \\(vip\\) before its return to ring 3"
  }
}
