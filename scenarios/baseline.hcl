# Clean baselines: the kernel boots, idles and drivers come and go without a bug check.

scenario "baseline_idle" {
  description     = "boot and idle with the default profile"
  append          = "pg.profile=fast"
  max_time        = "20s"
  expect { no_bugcheck_for = "20s" }
  expect { event = "shell-ready" }
}
