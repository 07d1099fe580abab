# A21 (docs/patchguard.md): patch before arming. With pg.arm=late the checker
# arms after the boot modules, so attack_a21, loaded as one, hooks
# module_find before the baseline is taken: by design undetected.
scenario "a21_patch_before_arming" {
  description = "A21: boot-module patch ahead of a late-armed checker (by design undetected)"
  append      = "pg.profile=test pg.arm=late"
  drivers     = ["initrd", "attack_a21"]
  requires    = ["driver:attack_a21"]
  expect { no_bugcheck_for = "3s" }
  expect { serial = "attack_a21: module_find hooked before PatchGuard armed" }
}
