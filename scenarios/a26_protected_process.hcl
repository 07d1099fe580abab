# A26 (docs/patchguard.md, protected processes): start svc protected (the
# shell's "start -p": only the kernel grants protection), then clear its
# protection by a direct write found by walking the active process list.
# Expected: bug check 0x109, region type 0x1F.
scenario "a26_protected_process" {
  description = "A26: clear a protected service's protection flag by direct write"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a26_protect"]
  programs    = ["svc"]

  step {
    at   = "30ms"
    type = "start -p svc"
  }
  step {
    after      = "process-created + 10ms"
    after_text = "svc"
    load       = "attack_a26_protect"
    attack     = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1f"
    within      = "150ms"
  }
  expect {
    serial = "start: svc is pid 1 \\(protected\\)"
  }
  expect {
    serial = "attack_a26: process 1 \\(svc\\) protection cleared"
  }
}

scenario "a26_grant_protection" {
  description = "A26: give an unprotected process protection by direct write"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a26_protect"]
  programs    = ["svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    after      = "process-created + 10ms"
    after_text = "svc"
    load       = "attack_a26_protect set 1"
    attack     = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1f"
    within      = "150ms"
  }
  expect {
    serial = "attack_a26: process 1 \\(svc\\) protection set"
  }
}
