# A153 (docs/patchguard.md): a copy of the TSS loaded through TR's cached
# base. attack_a153_tss_copy copies the kernel's TSS to pool, points the
# GDT's TSS descriptor at the copy (type available), loads TR with the same
# selector and writes the descriptor back as it was, busy bit included: the
# GDT, the kernel's TSS, TR's selector and the IDT read as armed, while the
# processor takes RSP0, the IST stacks and the I/O-permission map from the
# copy. The copy's IST2 (the NMI's stack) is a pool stack of the driver's:
# every NMI, the watchdog's, runs on memory the driver owns.
# Expected: bug check 0x109, region type 0x112 (task state segment): the
# NMI finds its frame off the IST2 stack armed, within each profile's bound.

scenario "a153_tss_copy" {
  description = "A153: TR loaded from a TSS copy in pool, IST2 the driver's, GDT put back"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a153_tss_copy"]

  step {
    at     = "30ms"
    load   = "attack_a153_tss_copy"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a153: TR loaded from a TSS copy in pool, the GDT put back as it was\\nattack_a153: in the copy IST2, the NMI's stack, is the driver's"
  }
}

scenario "a153_tss_copy_fast" {
  from        = "a153_tss_copy.hcl#a153_tss_copy"
  description = "A153 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

# In the windows profile the NMI does its work on about one NMI in 32.
scenario "a153_tss_copy_windows" {
  from        = "a153_tss_copy.hcl#a153_tss_copy"
  description = "A153 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# A154: the copy's RSP0 a pool stack of the driver's, with `spin` running
# in ring 3: every interrupt from ring 3 pushes its frame on the driver's
# stack, and the kernel's handler (the tick's DPCs included) runs there.
# Expected: 0x109 type 0x112 at the first return to ring 3 from such an
# interrupt: its frame does not lie at the running thread's stack top.
scenario "a154_tss_copy_rsp0" {
  description = "A154: TR loaded from a TSS copy whose RSP0 is the driver's, spin running"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a153_tss_copy", "program:spin"]

  step {
    at    = "20ms"
    start = "spin 4000000000"
  }
  step {
    at     = "40ms"
    load   = "attack_a153_tss_copy rsp0"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a153: TR loaded from a TSS copy in pool, the GDT put back as it was\\nattack_a153: in the copy RSP0 is a stack of the driver's"
  }
}

scenario "a154_tss_copy_rsp0_fast" {
  from        = "a153_tss_copy.hcl#a154_tss_copy_rsp0"
  description = "A154 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a154_tss_copy_rsp0_windows" {
  from        = "a153_tss_copy.hcl#a154_tss_copy_rsp0"
  description = "A154 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# A155: the copy's I/O-permission map all zero bits (every port open to
# ring 3), its stacks the kernel's (its RSP0 kept to the kernel's by the
# driver on every tick): no frame lands off its stack. `fault port` reads
# port 0x61 after a 3 s sleep. Before: it survived, no bug check.
# Expected: bug check 0x109, region type 0x112: the NMI's probe of the TSS
# the processor uses (an INT through a gate naming IST4, a stack top
# written into the kernel's TSS just before, twice with two tops) finds a
# frame off its top, within each profile's bound (and the program's return from
# its sleep loads TR from the kernel's descriptor again: no port for it
# meanwhile).
scenario "a155_tss_copy_ports" {
  description = "A155: TR loaded from a TSS copy in pool with every port open"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a153_tss_copy", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "40ms"
    load   = "attack_a153_tss_copy ports"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a153: TR loaded from a TSS copy in pool, the GDT put back as it was\\nattack_a153: in the copy every port is open in its map"
  }
}

scenario "a155_tss_copy_ports_fast" {
  from        = "a153_tss_copy.hcl#a155_tss_copy_ports"
  description = "A155 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a155_tss_copy_ports_windows" {
  from        = "a153_tss_copy.hcl#a155_tss_copy_ports"
  description = "A155 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
