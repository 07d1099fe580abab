# A24 (docs/patchguard.md, docs/vendorapi.md): an unsigned driver (testsigning) is refused a handle filter; thread notify stays open
# The sample vendor driver does the job through the documented APIs:
# expected: the denial (console line and api-denial event), no bug check.
scenario "a24_unsigned_filter" {
  description = "A24: an unsigned driver (testsigning) is refused a handle filter; thread notify stays open"
  append      = "pg.profile=test testsigning autorun=load vendor_unsigned"
  requires    = ["driver:vendor_unsigned"]

  expect {
    event = "api-denial"
    args  = ["0x3", "0x1", "0xc0000022", "*"] # handle filter, registration refused, access denied
    text  = "^vendor_unsigned: handle filter registration refused"
  }
  expect { serial = "(?m)^vendor_unsigned: handle filter: status 0xc0000022$" }
  expect { serial = "(?m)^vendor_unsigned: thread notify: status 0x00000000$" }
  expect { no_bugcheck_for = "3s" }
}
