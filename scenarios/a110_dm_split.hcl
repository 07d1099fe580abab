# A110 (docs/patchguard.md): A98 with the direct map split as well.
# attack_a110_dm_split splits the page holding the system service table for reads as
# A98 does (the kernel's address of the page cached to a copy with getpid's entry
# pointed at its own routine, returning 4242), and also the direct map's view of the
# page's frame: its 2 MiB direct-map entry pointed for a moment at a page table of the
# driver's that maps the same 2 MiB with that frame replaced by the copy, one read
# through the direct-map address, the entry put back. Both set up again on every tick:
# the page read through its address and through its PTE's frame in the direct map
# agree (A98's check). Before: no bug check in 1 s (test) and 20 s (fast), seed 1;
# `svc` printed pid 4242. Expected: bug check 0x109, region type 0x111 (the NMI the
# tick hook asks for reads the page through a window onto its frame that the checker
# maps at that moment and verifies), within each profile's bound.
scenario "a110_dm_split" {
  description = "A110: the service table's page split through its address and through the direct map (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a110_dm_split", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a110_dm_split"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a110: the service table's page split through its address and through the direct map: both read a copy"
  }
}

scenario "a110_dm_split_fast" {
  from        = "a110_dm_split.hcl#a110_dm_split"
  description = "A110 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

# In the windows profile (bound about 9 minutes): the NMI the tick hook asks for (one
# tick in 128) compares a slice of a page (one of 16 per page, the next drawn
# among those the round has left) through the window, and writes the probe through it.
scenario "a110_dm_split_windows" {
  from        = "a110_dm_split.hcl#a110_dm_split"
  description = "A110 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
