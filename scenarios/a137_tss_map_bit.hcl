# A137 (docs/patchguard.md): one port opened to ring 3 in the TSS's
# I/O-permission map: the host (standing for a driver) clears the bit of
# port 0x61 (the map starts at byte 104 of the TSS; port 0x61 is bit 1 of
# its byte 12). The map is all ones by construction to the TSS's limit
# (A152), and PatchGuard checks it is all ones rather than hashing its
# 8 KiB (windows overhead).
# Expected: bug check 0x109, region type 0x112 (task state segment), at
# the changed byte, within each profile's bound.

scenario "a137_tss_map_bit" {
  description = "A137: the TSS I/O map's bit of port 0x61 cleared"
  append      = "pg.profile=test"
  max_time    = "1s"

  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "tss"
      offset = 116
      xor    = "0x02"
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
}

scenario "a137_tss_map_bit_fast" {
  from        = "a137_tss_map_bit.hcl#a137_tss_map_bit"
  description = "A137 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "25s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a137_tss_map_bit_windows" {
  from        = "a137_tss_map_bit.hcl#a137_tss_map_bit"
  description = "A137 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
