# A112 (docs/patchguard.md): a page-table change hidden behind the direct map's view of
# the page tables. attack_a112_shadow_view sets W in the PTE of a kernel text page (A38)
# and points the 2 MiB direct-map entries of the regions holding that page table and
# the direct map's page directory at page tables of its own, which map those two
# frames to copies taken before the change: every read through the direct map (every
# page-table check included) sees tables that read as armed, while the processor's walk
# uses the real ones. Persistent, no TLB trick. Before: no bug check in 1 s (test) and
# 20 s (fast), seed 1. Expected: bug check 0x109, region type 0x111 (the NMI the tick hook
# asks for compares each protected page-table page's direct-map view with a window
# onto its frame that the checker maps and verifies at that moment), within each
# profile's bound.
scenario "a112_shadow_view" {
  description = "A112: a text page writable in its PTE, the direct map's view of its page table and directory copies (test profile)"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a112_shadow_view"]

  step {
    at     = "30ms"
    load   = "attack_a112_shadow_view"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a112: a kernel text page writable in its PTE; the direct map shows copies of its page table and directory"
  }
}

scenario "a112_shadow_view_fast" {
  from        = "a112_shadow_view.hcl#a112_shadow_view"
  description = "A112 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

# In the windows profile (bound about 9 minutes): the NMI the tick hook asks for (one
# tick in 128) compares a slice of a page (one of 16 per page, the next drawn
# among those the round has left) through the window, and writes the probe through it.
scenario "a112_shadow_view_windows" {
  from        = "a112_shadow_view.hcl#a112_shadow_view"
  description = "A112 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
