# A64 (docs/patchguard.md): a user thread's kernel stack moved into a driver: attack_a64_stack points svc's thread's stack top at its own buffer, so every switch to it loads the driver's memory into TSS.RSP0 and the SYSCALL stack pointer.
# Expected: bug check 0x109, region type 0x112 (task state segment), within the test profile's bound;
# or 0x19 (loaded module list) when the hidden-code walk gets there first: the thread, switched out
# while on the driver's stack, saved a stack pointer in no kernel stack (seed 18).
scenario "a64_thread_stack" {
  description = "A64: a user thread's kernel stack (TSS.RSP0, the SYSCALL stack) moved into a driver's data"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a64_stack", "program:svc"]

  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at     = "40ms"
    load   = "attack_a64_stack 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112|0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a64: process 1's thread takes its system calls and interrupts on the driver's stack"
  }
}
