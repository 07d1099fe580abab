# A98 (docs/patchguard.md): a TLB split of read-only data. attack_a98_data_split copies
# the page holding the system service table with getpid's entry pointed at its own
# routine (returning 4242), and from a timer on every tick points the page's PTE at the
# copy, reads the table through the kernel's address (the TLB maps the page to the
# copy) and puts the PTE back: the SYSCALL entry's lookups read the copy until the next
# flush, and every pass flushes the TLB before it reads the table and its PTE. Before: no
# bug check in 360 ms (test) and 32 s (fast), seed 1; `svc` printed pid 4242 throughout.
# Expected: bug check 0x109, region type 0x111 (the NMI the tick hook asks for reads a
# page of the kernel's data through its own address and through the frame its PTE
# names, and they differ), within each profile's bound.
scenario "a98_data_split" {
  description = "A98: the service table's page split for reads, set up again on every tick (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a98_data_split", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a98_data_split"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a98: the service table's page split: the TLB maps it to a copy, the PTE the original"
  }
}

scenario "a98_data_split_fast" {
  description = "A98 in the fast profile"
  max_time    = "20s"
  requires    = ["driver:attack_a98_data_split", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a98_data_split"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "16s"
  }
  expect {
    serial = "attack_a98: the service table's page split: the TLB maps it to a copy, the PTE the original"
  }
}

# In the windows profile (bound about 9 minutes): the NMI the tick hook asks for (one
# tick in 128) compares a slice of a page (one of 16 per page, the next drawn
# among those the round has left) through the window, and writes the probe through it.
scenario "a98_data_split_windows" {
  from        = "a98_data_split.hcl#a98_data_split"
  description = "A98 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
