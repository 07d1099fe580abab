# A38 (docs/patchguard.md): set the W bit in the PTE of a kernel text page.
# Expected: bug check 0x109, region type 0x111, within the test profile's bound.
scenario "a38_pte_writable" {
  description = "A38: set the W bit in the PTE of a kernel text page"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a38_pte_writable"]

  step {
    at     = "30ms"
    load   = "attack_a38_pte_writable"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a38: a kernel text page is writable in its PTE"
  }
}
