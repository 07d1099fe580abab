# The only scenario of its file: a from reference may leave out its name.
scenario "written_out" {
  seed = 4
  step {
    at   = "30ms"
    type = "lsmod"
  }
  expect {
    bugcheck = "0x109"
    within   = "150ms"
  }
}
