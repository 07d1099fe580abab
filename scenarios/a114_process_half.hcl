# A114 (docs/patchguard.md): a kernel half of one process's own, behind the direct
# map's view of that process's PML4. attack_a114_process_half copies the tables under
# svc's PML4 entry for the kernel image down to the service table's page, with that
# page replaced by a copy whose getpid entry returns 4242, points svc's entry at the
# copied PDPT, and makes the direct map show svc's PML4 as it was (its 2 MiB entry
# pointed at a page table of the driver's mapping that frame to a copy). PatchGuard
# compared each process's kernel half with the kernel's through the direct map.
# Before: no bug check in 1 s (test) and 20 s (fast), seed 1; `svc` printed pid 4242.
# Expected: bug check 0x109, region type 0x111 (a pass reads each process's PML4
# through a window onto its frame that it maps and verifies at that moment), within
# each profile's bound.
scenario "a114_process_half" {
  description = "A114: svc on a kernel half of its own, the direct map showing its PML4 as it was (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a114_process_half", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a114_process_half 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a114: process 1 runs on a kernel half of its own; the direct map shows its PML4 as it was"
  }
}

scenario "a114_process_half_fast" {
  from        = "a114_process_half.hcl#a114_process_half"
  description = "A114 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

# In the windows profile (bound about 9 minutes): the NMI the tick hook asks for (one
# tick in 128) compares a slice of a page (one of 16 per page, the next drawn
# among those the round has left) through the window, and writes the probe through it.
scenario "a114_process_half_windows" {
  from        = "a114_process_half.hcl#a114_process_half"
  description = "A114 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
