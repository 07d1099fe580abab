# Misspelt names: every one is rejected at parse time with a suggestion.
scenario "names" {
  desciption = "a misspelt attribute"
  drivers    = ["initrd", "vendor_sampel"]
  programs   = ["svcc"]
  append     = "pg.profile=test autorun=lsmod;run kil 1;start -p svc"

  step {
    at   = "10ms"
    lod  = "hello"
  }
  step {
    at   = "20ms"
    load = "attack_a01"
  }
  step {
    at    = "30ms"
    start = "-p svx"
  }
  step {
    at   = "40ms"
    kill = "spinn"
  }
  step {
    at   = "50ms"
    type = "run kill $pid(svd)"
  }
  step {
    after = "pg-armd + 1ms"
    poke {
      symbol = "service_tabel"
      value  = "hello!driver_entyr"
    }
  }
  step {
    at = "100000h"
    reg {
      name  = "cr44"
      value = 0
    }
  }
  expect {
    event = "api-denail"
  }
  expect {
    bugcheck = "0x109"
    grace    = "1s"
  }
}
