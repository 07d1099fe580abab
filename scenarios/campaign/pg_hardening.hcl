# The long versions of A27-A88 and A90-A92 (docs/patchguard.md): every row over 20
# seeds (make campaign). Each must detect in every run, within its bound.

scenario "a27_rearm_timer_seeds" {
  seeds       = "1..20"
  description = "A27: re-arm PatchGuard's timer an hour out and push its pass deadline"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a27_rearm"]

  step {
    at     = "30ms"
    load   = "attack_a27_rearm"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a27: PatchGuard's timer re\\-armed an hour out, deadline pushed"
  }
}

scenario "a28_busy_flag_seeds" {
  seeds       = "1..20"
  description = "A28: set PatchGuard's busy flag (a context looks open for ever)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a28_busy"]

  step {
    at     = "30ms"
    load   = "attack_a28_busy"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a28: PatchGuard's busy flag set"
  }
}

scenario "a29_dpc_routine_seeds" {
  seeds       = "1..20"
  description = "A29: point PatchGuard's DPC object at a routine that returns at once"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a29_dpc_routine"]

  step {
    at     = "30ms"
    load   = "attack_a29_dpc_routine"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a29: PatchGuard's DPC routine now returns at once"
  }
}

scenario "a30_housekeeping_dpc_seeds" {
  seeds       = "1..20"
  description = "A30: replace the housekeeping DPC routine so the piggy-back trigger starves"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a30_housekeeping"]

  step {
    at     = "30ms"
    load   = "attack_a30_housekeeping"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a30: housekeeping DPC routine replaced"
  }
}

scenario "a31_pic_mask_seeds" {
  seeds       = "1..20"
  description = "A31: mask the watchdog's interrupt (IRQ 0) at the PIC"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a31_pic_mask"]

  step {
    at     = "30ms"
    load   = "attack_a31_pic_mask"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a31: IRQ 0 masked at the PIC"
  }
}

scenario "a32_apic_count_seeds" {
  seeds       = "1..20"
  description = "A32: slow the tick 100 times (local-APIC initial count)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a32_apic_count"]

  step {
    at     = "30ms"
    load   = "attack_a32_apic_count"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a32: local APIC timer initial count multiplied by 100"
  }
}

scenario "a33_rewind_ticks_seeds" {
  seeds       = "1..20"
  description = "A33: rewind the tick count (and PatchGuard's last-seen tick) on every tick"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a33_rewind"]

  step {
    at     = "30ms"
    load   = "attack_a33_rewind"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "200ms"
  }
  expect {
    serial = "attack_a33: the tick count is rewound on every tick"
  }
}

scenario "a34_step_out_seeds" {
  seeds       = "1..20"
  description = "A34: hook getpid and step out before every pass the timer queue announces"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a34_stepout"]

  step {
    at     = "5s"
    load   = "attack_a34_stepout"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "16s"
  }
  expect {
    serial = "attack_a34: getpid hooked, stepping out before every visible pass"
  }
}

scenario "a35_pit_oneshot_seeds" {
  seeds       = "1..20"
  description = "A35: reprogram PIT channel 0 (the watchdog) to one-shot"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a35_pit"]

  step {
    at     = "30ms"
    load   = "attack_a35_pit"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a35: PIT channel 0 set to one\\-shot"
  }
}

scenario "a36_irq_handler_table_seeds" {
  seeds       = "1..20"
  description = "A36: replace the watchdog's handler in the PIC-line table behind the IDT"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a36_irq_table"]

  step {
    at     = "30ms"
    load   = "attack_a36_irq_table"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x9|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a36: IRQ 0 handler replaced behind the IDT"
  }
}

scenario "a37_tick_handler_seeds" {
  seeds       = "1..20"
  description = "A37: replace the local-APIC timer's handler behind the IDT (time at half speed)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a37_tick_handler"]

  step {
    at     = "30ms"
    load   = "attack_a37_tick_handler"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x9"
    within      = "150ms"
  }
  expect {
    serial = "attack_a37: local\\-APIC timer handler replaced behind the IDT"
  }
}

scenario "a38_pte_writable_seeds" {
  seeds       = "1..20"
  description = "A38: set the W bit in the PTE of a kernel text page"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a38_pte_writable"]

  step {
    at     = "30ms"
    load   = "attack_a38_pte_writable"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a38: a kernel text page is writable in its PTE"
  }
}

scenario "a39_direct_map_exec_seeds" {
  seeds       = "1..20"
  description = "A39: clear NX in a direct-map entry (an executable alias of RAM)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a39_direct_map_exec"]

  step {
    at     = "30ms"
    load   = "attack_a39_direct_map_exec"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
  expect {
    serial = "attack_a39: a direct\\-map entry is executable"
  }
}

scenario "a40_tss_iomap_seeds" {
  seeds       = "1..20"
  description = "A40: move the TSS I/O-permission map inside the TSS (ports for ring 3)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a40_tss_iomap"]

  step {
    at     = "30ms"
    load   = "attack_a40_tss_iomap"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a40: TSS I/O\\-permission map moved inside the TSS"
  }
}

scenario "a41_tss_ist_seeds" {
  seeds       = "1..20"
  description = "A41: point the double-fault IST stack into the driver"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a41_tss_ist"]

  step {
    at     = "30ms"
    load   = "attack_a41_tss_ist"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a41: TSS IST1 points into the driver"
  }
}

scenario "a42_vendor_count_seeds" {
  seeds       = "1..20"
  description = "A42: set the handle-filter list's count to 0 (vendor filters off, array untouched)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a42_vendor_count", "driver:vendor_sample"]

  step {
    at   = "30ms"
    load = "vendor_sample"
  }
  step {
    at     = "60ms"
    load   = "attack_a42_vendor_count"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a42: handle\\-filter count set to 0"
  }
}

scenario "a43_launder_seal_seeds" {
  seeds       = "1..20"
  description = "A43: write a notify entry directly, then re-seal it through one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a43_launder"]

  step {
    at     = "30ms"
    load   = "attack_a43_launder"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a43: notify array entry redirected, re\\-sealing through the API"
  }
}

scenario "a44_hide_process_seeds" {
  seeds       = "1..20"
  description = "A44: hide a running process from the process list, the PID table and the handle-table list"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a44_hide_process", "program:svc"]

  step {
    at   = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a44_hide_process 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x4"
    within      = "150ms"
  }
  expect {
    serial = "attack_a44: process 1 hidden from the process list, the PID table and the handle\\-table list"
  }
}

scenario "a45_hide_driver_seeds" {
  seeds       = "1..20"
  description = "A45: hide a working driver from the module list and the module table"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a45_hide_driver", "driver:hello"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a45_hide_driver"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a45: module record removed from the module list and table, a timer still running"
  }
}

scenario "a46_stop_flag_seeds" {
  seeds       = "1..20"
  description = "A46: set the stop routine's in-progress flag, then patch the service table"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a46_stop_flag"]

  step {
    at     = "30ms"
    load   = "attack_a46_stop_flag"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a46: stop routine's in\\-progress flag set, service table patched"
  }
  expect {
    serial = "\\*\\*\\* STOP: 0x00000109 .*\\n\\*\\*\\* CRITICAL_STRUCTURE_CORRUPTION\\n\\*\\*\\* system halted"
  }
}

scenario "a47_printk_hang_seeds" {
  seeds       = "1..20"
  description = "A47: make printk spin for ever (the console a detection reports on)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a47_printk_hang"]

  step {
    at     = "30ms"
    load   = "attack_a47_printk_hang"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a47: printk now spins for ever"
  }
  expect {
    serial = "\\*\\*\\* STOP: 0x00000109 .*\\n\\*\\*\\* CRITICAL_STRUCTURE_CORRUPTION\\n\\*\\*\\* system halted"
  }
}

scenario "a48_reseal_call_seeds" {
  seeds       = "1..20"
  description = "A48: re-seal a direct write by calling pg_seal_update from a driver"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a48_reseal", "symbol:pg_seal_update"]

  step {
    at   = "30ms"
    load = "attack_a48_reseal"
  }
  step {
    at     = "60ms"
    attack = true
    poke {
      symbol = "attack_a48_reseal!seal_update_at"
      value  = "pg_seal_update"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a48: notify entry redirected, re-sealing through pg_seal_update"
  }
}

scenario "a49_cli_spin_seeds" {
  seeds       = "1..20"
  description = "A49: interrupts off, inline hook, spin for ever with IF=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
}

scenario "a49_console_lock_seeds" {
  seeds       = "1..20"
  description = "A49: the console lock's release patched out, the next printk spins with IF=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin lock"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
}

scenario "a49_nmi_mask_seeds" {
  seeds       = "1..20"
  description = "A49: the NMI watchdog's I/O APIC entry masked"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "30ms"
    load   = "attack_a49_cli_spin mask"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
}

# A49 in the default (fast) profile: the NMI comes at the PIT's 18.2 Hz.
scenario "a49_cli_spin_fast_seeds" {
  seeds       = "1..5"
  description = "A49: interrupts off, inline hook, spin with IF=0 (fast profile)"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a49_cli_spin"]

  step {
    at     = "3s"
    load   = "attack_a49_cli_spin"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "1s"
  }
}

# A50-A53: PatchGuard starved through its flags, DPC marks and a rolling timer, and a driver hidden behind a kernel jmp rsi.

scenario "a50_freeze_flags_seeds" {
  seeds       = "1..20"
  description = "A50: clear PatchGuard's live and armed flags, cancel its timer, hook getpid"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a50_freeze"]

  step {
    at     = "30ms"
    load   = "attack_a50_freeze"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a50: PatchGuard's live and armed flags cleared, its timer cancelled, getpid hooked"
  }
}

scenario "a50_freeze_flags_fast_seeds" {
  seeds       = "1..20"
  description = "A50: clear PatchGuard's live and armed flags, cancel its timer, hook getpid"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a50_freeze"]

  step {
    at     = "5s"
    load   = "attack_a50_freeze"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "16s"
  }
  expect {
    serial = "attack_a50: PatchGuard's live and armed flags cleared, its timer cancelled, getpid hooked"
  }
}

scenario "a50_freeze_nmi_masked_seeds" {
  seeds       = "1..20"
  description = "A50: clear PatchGuard's live flag, mask the NMI's I/O APIC entry, cancel its timer, hook getpid"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a50_freeze"]

  step {
    at     = "30ms"
    load   = "attack_a50_freeze nmi"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a50: PatchGuard's live flag cleared, the NMI's I/O APIC entry masked, its timer cancelled, getpid hooked"
  }
}

scenario "a51_dpc_queued_seeds" {
  seeds       = "1..20"
  description = "A51: mark PatchGuard's DPCs queued, push its countdown, deadline and NMI idle limit, hook getpid"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a51_dpc_queued"]

  step {
    at     = "30ms"
    load   = "attack_a51_dpc_queued"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a51: PatchGuard's DPCs marked queued, countdown, deadline and idle limit pushed, getpid hooked"
  }
}

scenario "a51_dpc_queued_fast_seeds" {
  seeds       = "1..20"
  description = "A51: mark PatchGuard's DPCs queued, push its countdown, deadline and NMI idle limit, hook getpid"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a51_dpc_queued"]

  step {
    at     = "5s"
    load   = "attack_a51_dpc_queued"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "16s"
  }
  expect {
    serial = "attack_a51: PatchGuard's DPCs marked queued, countdown, deadline and idle limit pushed, getpid hooked"
  }
}

scenario "a52_rolling_rearm_seeds" {
  seeds       = "1..20"
  description = "A52: re-arm PatchGuard's timer ahead on every tick, switch off random passes and the piggy-back, hook getpid"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a52_rolling"]

  step {
    at     = "30ms"
    load   = "attack_a52_rolling"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "150ms"
  }
  expect {
    serial = "attack_a52: PatchGuard's timer rolled ahead on every tick, random passes and piggy-back off, getpid hooked"
  }
}

scenario "a52_rolling_rearm_fast_seeds" {
  seeds       = "1..20"
  description = "A52: re-arm PatchGuard's timer ahead on every tick, switch off random passes and the piggy-back, hook getpid"
  append      = "pg.profile=fast"
  requires    = ["driver:attack_a52_rolling"]

  step {
    at     = "5s"
    load   = "attack_a52_rolling"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0xa"
    within      = "16s"
  }
  expect {
    serial = "attack_a52: PatchGuard's timer rolled ahead on every tick, random passes and piggy-back off, getpid hooked"
  }
}

scenario "a53_hide_gadget_seeds" {
  seeds       = "1..20"
  description = "A53: hide a driver whose timer's routine is a jmp rsi found in kernel text"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a53_hide_gadget", "driver:hello"]

  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a53_hide_gadget"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a53: module record removed from the module list and table, its timer routed through a kernel jmp rsi"
  }
}

scenario "a54_report_loop_seeds" {
  seeds       = "1..20"
  description = "A54: link a module record to itself, so the detection's report would walk the module list for ever"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a54_report_loop"]

  step {
    at     = "30ms"
    load   = "attack_a54_report_loop"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a54: own module record linked to itself, the module list is a cycle"
  }
}

scenario "a55_stopping_spin_seeds" {
  seeds       = "1..20"
  description = "A55: PatchGuard's stopping flag set, interrupts off, inline hook, spin for ever with IF=0"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a55_stopping_spin"]

  step {
    at     = "30ms"
    load   = "attack_a55_stopping_spin"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1"
    within      = "150ms"
  }
  expect {
    serial = "attack_a55: PatchGuard's stopping flag set, interrupts off, module_find patched, spinning"
  }
}

scenario "a56_apic_divide_seeds" {
  seeds       = "1..20"
  description = "A56: the local-APIC timer's divide configuration set to 128"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a56_apic_timer"]

  step {
    at     = "30ms"
    load   = "attack_a56_apic_timer"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a56: timer divide set to 128"
  }
}

scenario "a56_apic_lvt_mask_seeds" {
  seeds       = "1..20"
  description = "A56: the LVT timer masked"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a56_apic_timer"]

  step {
    at     = "30ms"
    load   = "attack_a56_apic_timer mask"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a56: LVT timer masked"
  }
}

scenario "a56_apic_oneshot_seeds" {
  seeds       = "1..20"
  description = "A56: the LVT timer switched to one-shot"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a56_apic_timer"]

  step {
    at     = "30ms"
    load   = "attack_a56_apic_timer oneshot"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17|0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a56: LVT timer switched to one\\-shot"
  }
}

# A57-A60: hidden callbacks, borrowed dispatch, a TLB split renewed on every
# tick (fast profile: the probe visits one text page every 220 ms), COM1
# switched off before the stop screen.
scenario "a57_hidden_callback_seeds" {
  seeds       = "1..20"
  description = "A57: hide a driver that keeps a handle filter's post-callback (no timer)"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a57_hidden_callback", "driver:hello"]
  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a57_hidden_callback"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
}

scenario "a58_dispatch_gadget_seeds" {
  seeds       = "1..20"
  description = "A58: hello's dispatch entry 0 and unload routine pointed at kernel text"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a58_dispatch_gadget", "driver:hello"]
  step {
    at   = "30ms"
    load = "hello"
  }
  step {
    at     = "60ms"
    load   = "attack_a58_dispatch_gadget"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x1C"
    within      = "150ms"
  }
}

scenario "a59_tlb_split_seeds" {
  seeds       = "1..20"
  description = "A59: getpid's text page executes a copy through a TLB split renewed on every tick"
  max_time    = "30s"
  requires    = ["driver:attack_a59_tlb_split", "program:svc"]
  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a59_tlb_split"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "16s"
  }
}

scenario "a59_tlb_split_test_seeds" {
  seeds       = "1..20"
  description = "A59 in the test profile: a TLB split renewed on every tick"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a59_tlb_split", "program:svc"]
  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a59_tlb_split"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x111"
    within      = "150ms"
  }
}

scenario "a60_uart_seeds" {
  seeds       = "1..20"
  description = "A60: getpid hooked, COM1's divisor latch left open"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a60_uart"]
  step {
    at     = "30ms"
    load   = "attack_a60_uart"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xA"
    within      = "150ms"
  }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}

scenario "a62_dilate_tsc_seeds" {
  seeds       = "1..20"
  description = "A62: the tick stretched by 40 and the TSC held back with WRMSR"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a62_dilate"]
  step {
    at     = "30ms"
    load   = "attack_a62_dilate tsc"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "150ms"
  }
}

scenario "a62_dilate_tsc_fast_seeds" {
  seeds       = "1..20"
  description = "A62: the tick stretched by 40 and the TSC held back with WRMSR (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a62_dilate"]
  step {
    at     = "5s"
    load   = "attack_a62_dilate tsc"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "16s"
  }
}

scenario "a62_dilate_pit_seeds" {
  seeds       = "1..20"
  description = "A62: PIT channel 0 (the watchdog and the NMI) held by restarting its count"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a62_dilate"]
  step {
    at     = "30ms"
    load   = "attack_a62_dilate pit"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "150ms"
  }
}

scenario "a62_dilate_pit_fast_seeds" {
  seeds       = "1..20"
  description = "A62: PIT channel 0 held by restarting its count (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a62_dilate"]
  step {
    at     = "5s"
    load   = "attack_a62_dilate pit"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x101|0x17"
    within      = "16s"
  }
}

scenario "a63_percpu_gs_seeds" {
  seeds       = "1..20"
  description = "A63: the per-CPU block moved to the driver through IA32_GS_BASE"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a63_percpu", "program:svc"]
  step {
    at    = "20ms"
    start = "svc"
  }
  step {
    at     = "40ms"
    load   = "attack_a63_percpu"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x7|0x112"
    within      = "150ms"
  }
}

scenario "a63_percpu_kgs_seeds" {
  seeds       = "1..20"
  description = "A63: IA32_KERNEL_GS_BASE pointed at the driver's copy of the per-CPU block"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a63_percpu"]
  step {
    at     = "30ms"
    load   = "attack_a63_percpu kgs"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "150ms"
  }
}

scenario "a63_percpu_gs_fast_seeds" {
  seeds       = "1..20"
  description = "A63: the per-CPU block moved to the driver through IA32_GS_BASE (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a63_percpu", "program:svc"]
  step {
    at    = "4s"
    start = "svc"
  }
  step {
    at     = "5s"
    load   = "attack_a63_percpu"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x7|0x112"
    within      = "16s"
  }
}

scenario "a63_percpu_kgs_fast_seeds" {
  seeds       = "1..20"
  description = "A63: IA32_KERNEL_GS_BASE pointed at the driver's copy of the per-CPU block (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a63_percpu"]
  step {
    at     = "5s"
    load   = "attack_a63_percpu kgs"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0x7"
    within      = "16s"
  }
}

scenario "a66_report_swallowed_seeds" {
  seeds       = "1..20"
  description = "A66: the formatter's sink hooked to swallow PatchGuard's report, then getpid hooked"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a66_report_hook"]
  step {
    at     = "30ms"
    load   = "attack_a66_report_hook"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xA|0x1"
    within      = "150ms"
  }
  expect { serial = "\\*\\*\\* PatchGuard: (system service function \\(region type 0xa\\)|function modification \\(region type 0x1\\))" }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}

scenario "a66_report_swallowed_fast_seeds" {
  seeds       = "1..20"
  description = "A66: the formatter's sink hooked to swallow PatchGuard's report (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a66_report_hook"]
  step {
    at     = "5s"
    load   = "attack_a66_report_hook"
    attack = true
  }
  expect {
    bugcheck    = "0x109"
    region_type = "0xA|0x1"
    within      = "16s"
  }
  expect { serial = "\\*\\*\\* PatchGuard: (system service function \\(region type 0xa\\)|function modification \\(region type 0x1\\))" }
  expect { serial = "\\*\\*\\* STOP: 0x00000109" }
}

scenario "a71_records_cleared_seeds" {
  seeds       = "1..20"
  description = "A71: every trigger's started record cleared from the host, then A50"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a50_freeze", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on"]

  step {
    at   = "29ms"
    load = "attack_a50_freeze"
  }
  step {
    at     = "29ms"
    attack = true
    poke {
      symbol = "tick_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "29ms"
    poke {
      symbol = "wd_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "29ms"
    poke {
      symbol = "piggy_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "29ms"
    poke {
      symbol = "nmi_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
}

scenario "a71_records_cleared_fast_seeds" {
  seeds       = "1..20"
  description = "A71: every trigger's started record cleared from the host, then A50 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a50_freeze", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on"]

  step {
    at   = "5s"
    load = "attack_a50_freeze"
  }
  step {
    at     = "5s"
    attack = true
    poke {
      symbol = "tick_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "wd_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "piggy_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "nmi_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}

scenario "a72_probe_off_seeds" {
  seeds       = "1..20"
  description = "A72: the instruction-fetch probe's rate set to zero pages, then A59's TLB split (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a59_tlb_split", "program:svc", "symbol:probe_per"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "199ms"
    attack = true
    poke {
      symbol = "probe_per"
      value  = 0
    }
  }
  step {
    at   = "200ms"
    load = "attack_a59_tlb_split"
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}

scenario "a73_hidden_thread_seeds" {
  seeds       = "1..20"
  description = "A73: a hidden driver's code kept running on a kernel thread of its own"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a73_hidden_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a73_hidden_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a73_hidden_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a73_hidden_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a73_hidden_thread!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
}

scenario "a73_hidden_thread_fast_seeds" {
  seeds       = "1..20"
  description = "A73: a hidden driver's code kept running on a kernel thread of its own (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a73_hidden_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a73_hidden_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a73_hidden_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a73_hidden_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a73_hidden_thread!thread_create_at"
      value  = "thread_create"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "16s"
  }
}

scenario "a74_vendor_launder_swap_seeds" {
  seeds       = "1..20"
  description = "A74: the image-notify list changed directly (swap), then re-sealed by one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a74_vendor_launder"]

  step {
    at     = "31ms"
    load   = "attack_a74_vendor_launder swap"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
}

scenario "a74_vendor_launder_count_seeds" {
  seeds       = "1..20"
  description = "A74: the image-notify list changed directly (count), then re-sealed by one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a74_vendor_launder"]

  step {
    at     = "31ms"
    load   = "attack_a74_vendor_launder count"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
}

scenario "a74_vendor_launder_sealed_seeds" {
  seeds       = "1..20"
  description = "A74: the image-notify list changed directly (sealed), then re-sealed by one legitimate registration"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a74_vendor_launder", "symbol:all_sealed"]

  step {
    at     = "30ms"
    poke {
      symbol = "all_sealed"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "31ms"
    load   = "attack_a74_vendor_launder sealed"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x18"
    within      = "150ms"
  }
}

scenario "a75_stand_aside_seeds" {
  seeds       = "1..20"
  description = "A75: PatchGuard's stopping flag set with interrupts on, then A59's TLB split"
  append      = "pg.profile=test"
  requires    = ["driver:attack_a75_stand_aside", "program:svc"]

  step {
    at    = "30ms"
    start = "svc"
  }
  step {
    at     = "60ms"
    load   = "attack_a75_stand_aside"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
}

scenario "a75_stand_aside_fast_seeds" {
  seeds       = "1..20"
  description = "A75 in the fast profile"
  max_time    = "20s"
  requires    = ["driver:attack_a75_stand_aside", "program:svc"]

  step {
    at    = "100ms"
    start = "svc"
  }
  step {
    at     = "200ms"
    load   = "attack_a75_stand_aside"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}

scenario "a76_armed_stride_seeds" {
  seeds       = "1..20"
  description = "A76: the tick hook's armed stride set to 2^40 ticks, then A27"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a27_rearm", "symbol:stride"]

  step {
    at   = "30ms"
    load = "attack_a27_rearm"
  }
  step {
    at     = "30ms"
    attack = true
    poke {
      symbol = "stride"
      value  = "0xffffffffff"
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
}

scenario "a76_armed_stride_fast_seeds" {
  seeds       = "1..20"
  description = "A76: the tick hook's armed stride set to 2^40 ticks, then A27 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a27_rearm", "symbol:stride"]

  step {
    at   = "5s"
    load = "attack_a27_rearm"
  }
  step {
    at     = "5s"
    attack = true
    poke {
      symbol = "stride"
      value  = "0xffffffffff"
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
}

scenario "a77_fake_context_seeds" {
  seeds       = "1..20"
  description = "A77: PatchGuard's open context pointed at a driver's (its stop routine), then A49's spin"
  append      = "pg.profile=test"
  max_time    = "2s"
  requires    = ["driver:attack_a77_fake_context"]

  step {
    at     = "30ms"
    load   = "attack_a77_fake_context"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x101"
    within      = "150ms"
  }
}

scenario "a77_fake_context_fast_seeds" {
  seeds       = "1..20"
  description = "A77 in the fast profile"
  max_time    = "30s"
  requires    = ["driver:attack_a77_fake_context"]

  step {
    at     = "5s"
    load   = "attack_a77_fake_context"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x1|0x101"
    within      = "16s"
  }
}

scenario "a85_wake_iopl_seeds" {
  seeds       = "1..20"
  description = "A85: IOPL 3 written one tick before a program wakes, fast profile"
  append      = "pg.profile=fast"
  max_time    = "6s"
  requires    = ["driver:attack_a85_user_return", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "2950ms"
    load   = "attack_a85_user_return 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a85: process 1's saved RFLAGS changed \\(iopl\\) before its return to ring 3\\n(?:[^f].*\\n|\\n)*\\*\\*\\* PatchGuard"
  }
}

scenario "a85_wake_iopl_test_seeds" {
  seeds       = "1..20"
  description = "A85 in the test profile"
  append      = "pg.profile=test"
  max_time    = "4s"
  requires    = ["driver:attack_a85_user_return", "program:fault"]

  step {
    at    = "20ms"
    start = "fault port"
  }
  step {
    at     = "2950ms"
    load   = "attack_a85_user_return 1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
  expect {
    serial = "attack_a85: process 1's saved RFLAGS changed \\(iopl\\) before its return to ring 3\\n(?:[^f].*\\n|\\n)*\\*\\*\\* PatchGuard"
  }
}

scenario "a85_spin_vip_seeds" {
  seeds       = "1..20"
  description = "A85: VIP in a preempted program's IRET frame"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a85_user_return", "program:spin"]

  step {
    at    = "20ms"
    start = "spin 1000000000"
  }
  step {
    at     = "60ms"
    load   = "attack_a85_user_return 1 vip now"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x112"
    within      = "150ms"
  }
}

scenario "a86_phase_off_seeds" {
  seeds       = "1..20"
  description = "A86: the PIT phase check's \"on\" cleared from the host, then A81 fast"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a81_pit_reload", "symbol:phase_on"]

  step {
    at   = "30ms"
    load = "attack_a81_pit_reload fast"
  }
  step {
    at     = "32ms"
    attack = true
    poke {
      symbol = "phase_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a81: PIT channel 0's count halved"
  }
}

scenario "a86_phase_off_fast_seeds" {
  seeds       = "1..20"
  description = "A86: the PIT phase check's \"on\" cleared, then A81 fast, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a81_pit_reload", "symbol:phase_on"]

  step {
    at   = "5s"
    load = "attack_a81_pit_reload fast"
  }
  step {
    at     = "5002ms"
    attack = true
    poke {
      symbol = "phase_on"
      value  = 0
      size   = 1
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "2s"
  }
}

scenario "a86_phase_misses_seeds" {
  seeds       = "1..20"
  description = "A86: the PIT phase check's misses zeroed on every tick, PIT channel 0 halved"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a86_pit_phase", "symbol:phase_misses", "symbol:phase_bits"]

  step {
    at   = "30ms"
    load = "attack_a86_pit_phase"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a86_pit_phase!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a86_pit_phase!bits_at"
      value  = "phase_bits"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a86_pit_phase!misses_at"
      value  = "phase_misses"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "150ms"
  }
  expect {
    serial = "attack_a86: PIT channel 0's count halved, its phase misses zeroed on every tick"
  }
}

scenario "a86_phase_misses_fast_seeds" {
  seeds       = "1..20"
  description = "A86: the PIT phase check's misses zeroed on every tick, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a86_pit_phase", "symbol:phase_misses", "symbol:phase_bits"]

  step {
    at   = "5s"
    load = "attack_a86_pit_phase"
  }
  step {
    at = "5010ms"
    poke {
      symbol = "attack_a86_pit_phase!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "5011ms"
    poke {
      symbol = "attack_a86_pit_phase!bits_at"
      value  = "phase_bits"
      size   = 8
    }
  }
  step {
    at     = "5012ms"
    attack = true
    poke {
      symbol = "attack_a86_pit_phase!misses_at"
      value  = "phase_misses"
      size   = 8
    }
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "2s"
  }
}

scenario "a90_windows_records_seeds" {
  seeds       = "1..20"
  description = "A90: A71 in the windows profile, the NMI's count set so it never draws the records' compare"
  append      = "pg.profile=windows"
  max_time    = "10m"
  requires    = ["driver:attack_a50_freeze", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on", "symbol:nmi_count"]

  step {
    at   = "5s"
    load = "attack_a50_freeze"
  }
  step {
    at     = "5s"
    attack = true
    poke {
      symbol = "nmi_count"
      value  = 1
      size   = 8
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "tick_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "wd_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "piggy_started"
      value  = 0
      size   = 1
    }
  }
  step {
    at     = "5s"
    poke {
      symbol = "nmi_on"
      value  = 0
      size   = 1
    }

scenario "a87_lint1_seeds" {
  seeds       = "1..20"
  description = "A87: LINT1 (the NMI pin) masked"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt lint1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "9m"
  }
  expect {
    serial = "attack_a50: PatchGuard's live and armed flags cleared, its timer cancelled, getpid hooked"
  }
}

scenario "a91_profile_cell_seeds" {
  seeds       = "1..20"
  description = "A91: the own key's cell says windows, then A71 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "60s"
  requires    = ["driver:attack_a91_profile", "symbol:pg_cell_enc", "symbol:pg_cell_key", "symbol:nmi_count", "symbol:tick_started", "symbol:wd_started", "symbol:piggy_started", "symbol:nmi_on"]

  step {
    at   = "5s"
    load = "attack_a91_profile"
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!printk_at"
      value  = "printk"
    }
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!cell_enc_at"
      value  = "pg_cell_enc"
    }
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!cell_key_at"
      value  = "pg_cell_key"
    }
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!tick_started_at"
      value  = "tick_started"
    }
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!wd_started_at"
      value  = "wd_started"
    }
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!piggy_started_at"
      value  = "piggy_started"
    }
  }
  step {
    at = "5100ms"
    poke {
      symbol = "attack_a91_profile!nmi_on_at"
      value  = "nmi_on"
    }
  }
  step {
    at = "5100ms"
    attack = true
    poke {
      symbol = "attack_a91_profile!nmi_count_at"
      value  = "nmi_count"
    }

    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(lint1\\)"
  }
}

scenario "a87_lint1_fixed_seeds" {
  seeds       = "1..20"
  description = "A87: LINT1 turned into a fixed interrupt at vector 0x80"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt lint1_fixed"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(lint1_fixed\\)"
  }
}

scenario "a87_perf_seeds" {
  seeds       = "1..20"
  description = "A87: the performance-counter entry unmasked with NMI delivery"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "30ms"
    load   = "attack_a87_lvt perf"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x17"
    within      = "150ms"
  }
  expect {
    serial = "attack_a87: local APIC entry rewritten \\(perf\\)"
  }
}

scenario "a87_lint1_fast_seeds" {
  seeds       = "1..20"
  description = "A87: LINT1 masked, fast profile"
  append      = "pg.profile=fast"
  max_time    = "8s"
  requires    = ["driver:attack_a87_lvt"]

  step {
    at     = "5s"
    load   = "attack_a87_lvt lint1"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x101"
    within      = "16s"
  }
  expect {
    serial = "attack_a91: the sealed profile in the own key's cell set to windows, the NMI's count to 1, the triggers' records and PatchGuard's flags cleared, its timer cancelled, getpid hooked"

    region_type = "0x17"
    within      = "2s"
  }
}

scenario "a92_jmp_thread_seeds" {
  seeds       = "1..20"
  description = "A92: a hidden driver's kernel thread that calls the kernel by jumps"
  append      = "pg.profile=test"
  max_time    = "1s"
  requires    = ["driver:attack_a92_jmp_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a92_jmp_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a92_jmp_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a92_jmp_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a92_jmp_thread!thread_create_at"
      value  = "thread_create"
      size   = 8
    }

scenario "a88_signed_images_seeds" {
  seeds       = "1..20"
  description = "A88: an unsigned driver writes itself into the signed images, then registers a filter"
  append      = "pg.profile=test testsigning"
  max_time    = "1s"
  requires    = ["driver:attack_a88_unsigned"]

  step {
    at     = "30ms"
    load   = "attack_a88_unsigned"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "150ms"
  }
  expect {
    serial = "attack_a92: a kernel thread runs the driver's code, calling by jumps; the driver hidden from the module list and table"
  }
}

scenario "a92_jmp_thread_fast_seeds" {
  seeds       = "1..20"
  description = "A92: a hidden driver's kernel thread that calls the kernel by jumps (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  requires    = ["driver:attack_a92_jmp_thread", "symbol:thread_create", "symbol:thread_sleep_ns"]

  step {
    at   = "30ms"
    load = "attack_a92_jmp_thread"
  }
  step {
    at = "40ms"
    poke {
      symbol = "attack_a92_jmp_thread!printk_at"
      value  = "printk"
      size   = 8
    }
  }
  step {
    at = "41ms"
    poke {
      symbol = "attack_a92_jmp_thread!thread_sleep_at"
      value  = "thread_sleep_ns"
      size   = 8
    }
  }
  step {
    at     = "42ms"
    attack = true
    poke {
      symbol = "attack_a92_jmp_thread!thread_create_at"
      value  = "thread_create"
      size   = 8
    }

    region_type = "0x18"
    within      = "150ms"
  }
  expect {
    serial = "attack_a88: written in as a signed image"
  }
}

scenario "a88_signed_images_fast_seeds" {
  seeds       = "1..20"
  description = "A88 in the fast profile"
  append      = "pg.profile=fast testsigning"
  max_time    = "8s"
  requires    = ["driver:attack_a88_unsigned"]

  step {
    at     = "5s"
    load   = "attack_a88_unsigned"
    attack = true
  }

  expect {
    bugcheck    = "0x109"
    region_type = "0x19"
    within      = "16s"

    region_type = "0x18"
    within      = "2s"
  }
}
