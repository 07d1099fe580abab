# A74 (docs/patchguard.md): a direct change of the image-notify list that
# the dispatchers would follow, laundered at once (interrupts off) by one
# legitimate registration: `swap` moves the array pointer to the driver's
# copy with one more entry (the count bumped); `count` writes an entry
# past the count and bumps it; `sealed` clears the list's "sealed" flag and
# the kernel's "every list sealed" flag (a host poke by symbol) and
# redirects an entry in place.
# Expected: bug check 0x109, region type 0x18, within the test profile's bound.
scenario "a74_vendor_launder_swap" {
  description = "A74: the image-notify list changed directly (swap), then re-sealed by one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a74_vendor_launder"]

  step {
    at     = "31ms"
    load   = "attack_a74_vendor_launder swap"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a74: image\\-notify list changed \\(swap\\)"
  }
}

scenario "a74_vendor_launder_count" {
  description = "A74: the image-notify list changed directly (count), then re-sealed by one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a74_vendor_launder"]

  step {
    at     = "31ms"
    load   = "attack_a74_vendor_launder count"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a74: image\\-notify list changed \\(count\\)"
  }
}

scenario "a74_vendor_launder_sealed" {
  description = "A74: the image-notify list changed directly (sealed), then re-sealed by one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a74_vendor_launder", "symbol:all_sealed"]

  step {
    at     = "30ms"
    poke {
      symbol = "all_sealed"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "31ms"
    load   = "attack_a74_vendor_launder sealed"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a74: image\\-notify list changed \\(sealed\\)"
  }
}
