# A70 (docs/patchguard.md): copies of the descriptor tables loaded instead
# of edits to them: attack_a70_tables loads its own copy of the IDT with
# LIDT (page-fault gate chained through the driver); with `ltr`, its own
# copy of the TSS (IST1 its own stack) through the GDT's TSS descriptor and
# LTR. Expected: bug check 0x109, region type 0x2 (IDTR) or, with `ltr`,
# 0x3 (the GDT) or 0x112 (the NMI's probe of the TSS in use, A155, often
# first), within the test profile's bound.
scenario "a70_lidt_copy" {
  description = "A70: the driver's copy of the IDT loaded with LIDT"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a70_tables"]

  step {
    at     = "30ms"
    load   = "attack_a70_tables"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x2"
    within      = "150ms"
  }
  expect {
    serial = "attack_a70: LIDT loaded the driver's copy of the IDT"
  }
}

scenario "a70_ltr_copy" {
  description = "A70: the driver's copy of the TSS loaded with LTR through the GDT's TSS descriptor"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a70_tables"]

  step {
    at     = "30ms"
    load   = "attack_a70_tables ltr"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x3|0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a70: LTR loaded the driver's copy of the TSS"
  }
}
