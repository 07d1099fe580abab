# A83 (docs/patchguard.md): descriptor-table and TSS edits in place: the
# 64-bit user code segment made DPL 0, the TSS limit extended over kernel
# data (an I/O-permission map of zero bits: ports open to ring 3) and TR
# loaded again, IST1 and IST2 exchanged, an empty slot of the per-vector
# handler table filled. Expected: bug check 0x109, region type 0x3, 0x112
# or 0x9, within the test profile's bound.

scenario "a83_gdt_dpl" {
  description = "A83: the 64-bit user code segment made DPL 0"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a83_descriptors"]

  step {
    at     = "30ms"
    load   = "attack_a83_descriptors gdt_dpl"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x3"
    within      = "150ms"
  }
  expect {
    serial = "attack_a83: the 64\\-bit user code segment made DPL 0"
  }
}

scenario "a83_tss_limit" {
  description = "A83: the TSS limit extended by 8 KiB over kernel data and TR loaded again"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a83_descriptors"]

  step {
    at     = "30ms"
    load   = "attack_a83_descriptors tss_limit"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x3|0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a83: the TSS limit extended by 8 KiB over kernel data and TR loaded again"
  }
}

scenario "a83_ist_swap" {
  description = "A83: IST1 and IST2 exchanged"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a83_descriptors"]

  step {
    at     = "30ms"
    load   = "attack_a83_descriptors ist_swap"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a83: IST1 and IST2 exchanged"
  }
}

scenario "a83_vec_entry" {
  description = "A83: vector 0x80's empty handler slot filled with a ret in kernel text"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a83_descriptors"]

  step {
    at     = "30ms"
    load   = "attack_a83_descriptors vec_entry"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x9"
    within      = "150ms"
  }
  expect {
    serial = "attack_a83: vector 0x80's empty handler slot filled with a ret in kernel text"
  }
}
