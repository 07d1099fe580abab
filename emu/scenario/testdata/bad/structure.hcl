stray = 1
scenario "dup" {
  expect { no_bugcheck_for = "1s" }
}
scenario "dup" {
  expect { no_bugcheck_for = "1s" }
}
scenario "noexpect" {
  drivers = ["no_such_driver"]
}
scenario {
}
other "x" {
}
scenario "short" {
  max_time = "1s"
  step {
    at   = "5s"
    type = "x"
  }
  expect { no_bugcheck_for = "10s" }
}
