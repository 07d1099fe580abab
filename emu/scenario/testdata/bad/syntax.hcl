scenario "x" {
  append = "a"
  expect { no_bugcheck_for = "1s" 
}
