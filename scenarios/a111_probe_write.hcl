# A111 (docs/patchguard.md): A59 with the instruction-fetch probe's own writes split.
# attack_a111_probe_write splits getpid's text page for execution as A59 does (the
# copy's routine returns 4242) and also the direct map's view of the page's frame, for
# reads and writes: its 2 MiB direct-map entry pointed for a moment at a page table of
# the driver's that maps the same 2 MiB with that frame replaced by the copy, a byte
# read and written back through the direct-map address, the entry put back. The
# probe's `mov eax, imm; ret`, written through the direct map, then lands in the copy,
# which is what executes, and the copy answers imm. Both set up again on every tick.
# Before: no bug check in 1 s (test) and 20 s (fast), seed 1; `svc` printed pid 4242.
# Expected: bug check 0x109, region type 0x111 (the probe writes through a window onto
# the page's frame that the checker maps at that moment and verifies), within each
# profile's bound.
scenario "a111_probe_write" {
  description = "A111: getpid's text page split for execution, its direct-map view for the probe's writes (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a111_probe_write", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a111_probe_write"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a111: getpid's text page split for execution, its frame in the direct map for the probe's writes"
  }
}

scenario "a111_probe_write_fast" {
  from        = "a111_probe_write.hcl#a111_probe_write"
  description = "A111 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

# In the windows profile (bound about 9 minutes): the NMI the tick hook asks for (one
# tick in 128) compares a slice of a page (one of 16 per page, the next drawn
# among those the round has left) through the window, and writes the probe through it.
scenario "a111_probe_write_windows" {
  from        = "a111_probe_write.hcl#a111_probe_write"
  description = "A111 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
