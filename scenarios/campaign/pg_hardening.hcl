# The long versions of the rows of docs/patchguard.md from A27 on (make
# campaign): each scenario here is one of scenarios/, run over 20 seeds, some
# in another profile (a later attack step and that profile's bound). Every
# run must detect within its bound.

scenario "a27_rearm_timer_seeds" {
  from  = "../a27_rearm_timer.hcl#a27_rearm_timer"
  seeds = "1..20"
}

scenario "a28_busy_flag_seeds" {
  from  = "../a28_busy_flag.hcl#a28_busy_flag"
  seeds = "1..20"
}

scenario "a29_dpc_routine_seeds" {
  from  = "../a29_dpc_routine.hcl#a29_dpc_routine"
  seeds = "1..20"
}

scenario "a30_housekeeping_dpc_seeds" {
  from  = "../a30_housekeeping_dpc.hcl#a30_housekeeping_dpc"
  seeds = "1..20"
}

scenario "a31_pic_mask_seeds" {
  from  = "../a31_pic_mask.hcl#a31_pic_mask"
  seeds = "1..20"
}

scenario "a32_apic_count_seeds" {
  from  = "../a32_apic_count.hcl#a32_apic_count"
  seeds = "1..20"
}

scenario "a33_rewind_ticks_seeds" {
  from  = "../a33_rewind_ticks.hcl#a33_rewind_ticks"
  seeds = "1..20"
}

scenario "a34_step_out_seeds" {
  from  = "../a34_step_out.hcl#a34_step_out"
  seeds = "1..20"
}

scenario "a35_pit_oneshot_seeds" {
  from  = "../a35_pit_oneshot.hcl#a35_pit_oneshot"
  seeds = "1..20"
}

scenario "a36_irq_handler_table_seeds" {
  from  = "../a36_irq_handler_table.hcl#a36_irq_handler_table"
  seeds = "1..20"
}

scenario "a37_tick_handler_seeds" {
  from  = "../a37_tick_handler.hcl#a37_tick_handler"
  seeds = "1..20"
}

scenario "a38_pte_writable_seeds" {
  from  = "../a38_pte_writable.hcl#a38_pte_writable"
  seeds = "1..20"
}

scenario "a39_direct_map_exec_seeds" {
  from  = "../a39_direct_map_exec.hcl#a39_direct_map_exec"
  seeds = "1..20"
}

scenario "a40_tss_iomap_seeds" {
  from  = "../a40_tss_iomap.hcl#a40_tss_iomap"
  seeds = "1..20"
}

scenario "a41_tss_ist_seeds" {
  from  = "../a41_tss_ist.hcl#a41_tss_ist"
  seeds = "1..20"
}

scenario "a42_vendor_count_seeds" {
  from  = "../a42_vendor_count.hcl#a42_vendor_count"
  seeds = "1..20"
}

scenario "a43_launder_seal_seeds" {
  from  = "../a43_launder_seal.hcl#a43_launder_seal"
  seeds = "1..20"
}

scenario "a44_hide_process_seeds" {
  from  = "../a44_hide_process.hcl#a44_hide_process"
  seeds = "1..20"
}

scenario "a45_hide_driver_seeds" {
  from  = "../a45_hide_driver.hcl#a45_hide_driver"
  seeds = "1..20"
}

scenario "a46_stop_flag_seeds" {
  from  = "../a46_stop_flag.hcl#a46_stop_flag"
  seeds = "1..20"
}

scenario "a47_printk_hang_seeds" {
  from  = "../a47_printk_hang.hcl#a47_printk_hang"
  seeds = "1..20"
}

scenario "a48_reseal_call_seeds" {
  from  = "../a48_reseal_call.hcl#a48_reseal_call"
  seeds = "1..20"
}

scenario "a49_cli_spin_seeds" {
  from  = "../a49_cli_spin.hcl#a49_cli_spin"
  seeds = "1..20"
}

scenario "a49_cli_halt_seeds" {
  from  = "../a49_cli_spin.hcl#a49_cli_halt"
  seeds = "1..20"
}

scenario "a49_cli_halt_fast_seeds" {
  from        = "../a49_cli_spin.hcl#a49_cli_halt"
  seeds       = "1..20"
  description = "A49: interrupts off, inline hook, halt for ever with IF=0 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "1s"
  shift_steps = "2970ms"
}

scenario "a49_cli_halt_windows_seeds" {
  from        = "../a49_cli_spin.hcl#a49_cli_halt"
  seeds       = "1..20"
  description = "A49: interrupts off, inline hook, halt for ever with IF=0 (windows profile)"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
  shift_steps = "2970ms"
}

scenario "a49_console_lock_seeds" {
  from  = "../a49_cli_spin.hcl#a49_console_lock"
  seeds = "1..20"
}

scenario "a49_nmi_mask_seeds" {
  from  = "../a49_cli_spin.hcl#a49_nmi_mask"
  seeds = "1..20"
}

scenario "a49_cli_spin_fast_seeds" {
  from        = "../a49_cli_spin.hcl#a49_cli_spin"
  seeds       = "1..20"
  description = "A49: interrupts off, inline hook, spin for ever with IF=0 (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "1s"
  shift_steps = "2970ms"
}

scenario "a50_freeze_flags_seeds" {
  from  = "../a50_freeze_flags.hcl#a50_freeze_flags"
  seeds = "1..20"
}

scenario "a50_freeze_flags_fast_seeds" {
  from        = "../a50_freeze_flags.hcl#a50_freeze_flags"
  seeds       = "1..20"
  description = "A50: clear PatchGuard's live and armed flags, cancel its timer, hook getpid (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a50_freeze_nmi_masked_seeds" {
  from  = "../a50_freeze_flags.hcl#a50_freeze_nmi_masked"
  seeds = "1..20"
}

scenario "a51_dpc_queued_seeds" {
  from  = "../a51_dpc_queued.hcl#a51_dpc_queued"
  seeds = "1..20"
}

scenario "a51_dpc_queued_fast_seeds" {
  from        = "../a51_dpc_queued.hcl#a51_dpc_queued"
  seeds       = "1..20"
  description = "A51: mark PatchGuard's DPCs queued, push its countdown, deadline and NMI idle limit, hook getpid (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a52_rolling_rearm_seeds" {
  from  = "../a52_rolling_rearm.hcl#a52_rolling_rearm"
  seeds = "1..20"
}

scenario "a52_rolling_rearm_fast_seeds" {
  from        = "../a52_rolling_rearm.hcl#a52_rolling_rearm"
  seeds       = "1..20"
  description = "A52: re-arm PatchGuard's timer ahead on every tick, switch off random passes and the piggy-back, hook getpid (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a53_hide_gadget_seeds" {
  from  = "../a53_hide_gadget.hcl#a53_hide_gadget"
  seeds = "1..20"
}

scenario "a54_report_loop_seeds" {
  from  = "../a54_report_loop.hcl#a54_report_loop"
  seeds = "1..20"
}

scenario "a55_stopping_spin_seeds" {
  from  = "../a55_stopping_spin.hcl#a55_stopping_spin"
  seeds = "1..20"
}

scenario "a56_apic_divide_seeds" {
  from  = "../a56_apic_timer.hcl#a56_apic_divide"
  seeds = "1..20"
}

scenario "a56_apic_lvt_mask_seeds" {
  from  = "../a56_apic_timer.hcl#a56_apic_lvt_mask"
  seeds = "1..20"
}

scenario "a56_apic_oneshot_seeds" {
  from  = "../a56_apic_timer.hcl#a56_apic_oneshot"
  seeds = "1..20"
}

scenario "a57_hidden_callback_seeds" {
  from  = "../a57_hidden_callback.hcl#a57_hidden_callback"
  seeds = "1..20"
}

scenario "a58_dispatch_gadget_seeds" {
  from  = "../a58_dispatch_gadget.hcl#a58_dispatch_gadget"
  seeds = "1..20"
}

scenario "a59_tlb_split_seeds" {
  from  = "../a59_tlb_split.hcl#a59_tlb_split"
  seeds = "1..20"
}

scenario "a59_tlb_split_test_seeds" {
  from  = "../a59_tlb_split.hcl#a59_tlb_split_test_profile"
  seeds = "1..20"
}

scenario "a60_uart_seeds" {
  from  = "../a60_uart.hcl#a60_uart_dlab"
  seeds = "1..20"
}

scenario "a60_uart_loop_seeds" {
  from  = "../a60_uart.hcl#a60_uart_loop"
  seeds = "1..20"
}

scenario "a62_dilate_tsc_seeds" {
  from  = "../a62_dilate.hcl#a62_dilate_tsc"
  seeds = "1..20"
}

scenario "a62_dilate_tsc_fast_seeds" {
  from        = "../a62_dilate.hcl#a62_dilate_tsc"
  seeds       = "1..20"
  description = "A62: the tick stretched by 40 and the TSC held back with WRMSR (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a62_dilate_pit_seeds" {
  from  = "../a62_dilate.hcl#a62_dilate_pit"
  seeds = "1..20"
}

scenario "a62_dilate_pit_fast_seeds" {
  from        = "../a62_dilate.hcl#a62_dilate_pit"
  seeds       = "1..20"
  description = "A62: PIT channel 0 (the watchdog and the NMI) held by restarting its count (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a63_percpu_gs_seeds" {
  from  = "../a63_percpu.hcl#a63_percpu_gs"
  seeds = "1..20"
}

scenario "a63_percpu_kgs_seeds" {
  from  = "../a63_percpu.hcl#a63_percpu_kgs"
  seeds = "1..20"
}

scenario "a63_percpu_gs_fast_seeds" {
  from        = "../a63_percpu.hcl#a63_percpu_gs"
  seeds       = "1..20"
  description = "A63: the per-CPU block moved to the driver through IA32_GS_BASE (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4960ms"
}

scenario "a63_percpu_kgs_fast_seeds" {
  from        = "../a63_percpu.hcl#a63_percpu_kgs"
  seeds       = "1..20"
  description = "A63: the program's GS base (IA32_KERNEL_GS_BASE) pointed at the driver's copy of the per-CPU block (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a64_thread_stack_seeds" {
  from  = "../a64_thread_stack.hcl#a64_thread_stack"
  seeds = "1..20"
}

scenario "a65_adopt_process_seeds" {
  from  = "../a65_adopt_process.hcl#a65_adopt_process"
  seeds = "1..20"
}

scenario "a65_adopt_process_kernel_seeds" {
  from  = "../a65_adopt_process.hcl#a65_adopt_process_kernel"
  seeds = "1..20"
}

scenario "a66_report_swallowed_seeds" {
  from  = "../a66_report_hook.hcl#a66_report_swallowed"
  seeds = "1..20"
}

scenario "a66_report_swallowed_fast_seeds" {
  from        = "../a66_report_hook.hcl#a66_report_swallowed"
  seeds       = "1..20"
  description = "A66: the formatter's sink hooked to swallow PatchGuard's report, then getpid hooked (fast profile)"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a66_report_garbled_seeds" {
  from  = "../a66_report_hook.hcl#a66_report_garbled"
  seeds = "1..20"
}

scenario "a68_stride_seeds" {
  from  = "../a68_stride.hcl#a68_stride"
  seeds = "1..20"
}

scenario "a69_piggy_seeds" {
  from  = "../a69_piggy.hcl#a69_piggy"
  seeds = "1..20"
}

scenario "a70_lidt_copy_seeds" {
  from  = "../a70_tables.hcl#a70_lidt_copy"
  seeds = "1..20"
}

scenario "a70_ltr_copy_seeds" {
  from  = "../a70_tables.hcl#a70_ltr_copy"
  seeds = "1..20"
}

scenario "a71_records_cleared_seeds" {
  from  = "../a71_trigger_records.hcl#a71_records_cleared"
  seeds = "1..20"
}

scenario "a71_records_cleared_fast_seeds" {
  from  = "../a71_trigger_records.hcl#a71_records_cleared_fast"
  seeds = "1..20"
}

scenario "a72_probe_off_seeds" {
  from  = "../a72_probe_off.hcl#a72_probe_off"
  seeds = "1..20"
}

scenario "a73_hidden_thread_seeds" {
  from  = "../a73_hidden_thread.hcl#a73_hidden_thread"
  seeds = "1..20"
}

scenario "a73_hidden_thread_fast_seeds" {
  from  = "../a73_hidden_thread.hcl#a73_hidden_thread_fast"
  seeds = "1..20"
}

scenario "a74_vendor_launder_swap_seeds" {
  from  = "../a74_vendor_launder.hcl#a74_vendor_launder_swap"
  seeds = "1..20"
}

scenario "a74_vendor_launder_count_seeds" {
  from  = "../a74_vendor_launder.hcl#a74_vendor_launder_count"
  seeds = "1..20"
}

scenario "a74_vendor_launder_sealed_seeds" {
  from  = "../a74_vendor_launder.hcl#a74_vendor_launder_sealed"
  seeds = "1..20"
}

scenario "a75_stand_aside_seeds" {
  from  = "../a75_stand_aside.hcl#a75_stand_aside"
  seeds = "1..20"
}

scenario "a75_stand_aside_fast_seeds" {
  from  = "../a75_stand_aside.hcl#a75_stand_aside_fast"
  seeds = "1..20"
}

scenario "a76_armed_stride_seeds" {
  from  = "../a76_armed_stride.hcl#a76_armed_stride"
  seeds = "1..20"
}

scenario "a76_armed_stride_fast_seeds" {
  from  = "../a76_armed_stride.hcl#a76_armed_stride_fast"
  seeds = "1..20"
}

scenario "a77_fake_context_seeds" {
  from  = "../a77_fake_context.hcl#a77_fake_context"
  seeds = "1..20"
}

scenario "a77_fake_context_fast_seeds" {
  from  = "../a77_fake_context.hcl#a77_fake_context_fast"
  seeds = "1..20"
}

scenario "a80_ioapic_pte_seeds" {
  from  = "../a80_mmio_pte.hcl#a80_ioapic_pte"
  seeds = "1..20"
}

scenario "a80_lapic_pte_seeds" {
  from  = "../a80_mmio_pte.hcl#a80_lapic_pte"
  seeds = "1..20"
}

scenario "a81_pit_slow_seeds" {
  from  = "../a81_pit_reload.hcl#a81_pit_slow"
  seeds = "1..20"
}

scenario "a81_pit_fast_seeds" {
  from  = "../a81_pit_reload.hcl#a81_pit_fast"
  seeds = "1..20"
}

scenario "a81_pit_fast_profile_seeds" {
  from  = "../a81_pit_reload.hcl#a81_pit_fast_profile"
  seeds = "1..20"
}

scenario "a82_lvt_vector_seeds" {
  from  = "../a82_time_inputs.hcl#a82_lvt_vector"
  seeds = "1..20"
}

scenario "a82_div2_seeds" {
  from  = "../a82_time_inputs.hcl#a82_div2"
  seeds = "1..20"
}

scenario "a82_cr8_seeds" {
  from  = "../a82_time_inputs.hcl#a82_cr8"
  seeds = "1..20"
}

scenario "a82_pic_base_seeds" {
  from  = "../a82_time_inputs.hcl#a82_pic_base"
  seeds = "1..20"
}

scenario "a82_ioapic_dest_seeds" {
  from  = "../a82_time_inputs.hcl#a82_ioapic_dest"
  seeds = "1..20"
}

scenario "a82_ioapic_level_seeds" {
  from  = "../a82_time_inputs.hcl#a82_ioapic_level"
  seeds = "1..20"
}

scenario "a83_gdt_dpl_seeds" {
  from  = "../a83_descriptors.hcl#a83_gdt_dpl"
  seeds = "1..20"
}

scenario "a83_tss_limit_seeds" {
  from  = "../a83_descriptors.hcl#a83_tss_limit"
  seeds = "1..20"
}

scenario "a83_ist_swap_seeds" {
  from  = "../a83_descriptors.hcl#a83_ist_swap"
  seeds = "1..20"
}

scenario "a83_vec_entry_seeds" {
  from  = "../a83_descriptors.hcl#a83_vec_entry"
  seeds = "1..20"
}

scenario "a84_iopl_seeds" {
  from  = "../a84_iopl.hcl#a84_iopl"
  seeds = "1..20"
}

scenario "a85_wake_iopl_seeds" {
  from  = "../a85_user_return.hcl#a85_wake_iopl"
  seeds = "1..20"
}

scenario "a85_wake_iopl_test_seeds" {
  from        = "../a85_user_return.hcl#a85_wake_iopl"
  seeds       = "1..20"
  description = "A85: IOPL 3 written one tick before a program wakes (test profile)"
  append      = "pg.profile=test"
  max_time    = "4s"
}

scenario "a85_spin_vip_seeds" {
  from  = "../a85_user_return.hcl#a85_spin_vip"
  seeds = "1..20"
}

scenario "a85_wake_if_seeds" {
  from  = "../a85_user_return.hcl#a85_wake_if"
  seeds = "1..20"
}

scenario "a86_phase_off_seeds" {
  from  = "../a86_pit_phase.hcl#a86_phase_off"
  seeds = "1..20"
}

scenario "a86_phase_off_fast_seeds" {
  from  = "../a86_pit_phase.hcl#a86_phase_off_fast"
  seeds = "1..20"
}

scenario "a86_phase_misses_seeds" {
  from  = "../a86_pit_phase.hcl#a86_phase_misses"
  seeds = "1..20"
}

scenario "a86_phase_misses_fast_seeds" {
  from  = "../a86_pit_phase.hcl#a86_phase_misses_fast"
  seeds = "1..20"
}

scenario "a87_lint1_seeds" {
  from  = "../a87_lvt.hcl#a87_lint1"
  seeds = "1..20"
}

scenario "a87_lint1_fixed_seeds" {
  from  = "../a87_lvt.hcl#a87_lint1_fixed"
  seeds = "1..20"
}

scenario "a87_perf_seeds" {
  from  = "../a87_lvt.hcl#a87_perf"
  seeds = "1..20"
}

scenario "a87_lint1_fast_seeds" {
  from  = "../a87_lvt.hcl#a87_lint1_fast"
  seeds = "1..20"
}

scenario "a87_error_seeds" {
  from  = "../a87_lvt.hcl#a87_error"
  seeds = "1..20"
}

scenario "a87_thermal_seeds" {
  from  = "../a87_lvt.hcl#a87_thermal"
  seeds = "1..20"
}

scenario "a88_signed_images_seeds" {
  from  = "../a88_signed_images.hcl#a88_signed_images"
  seeds = "1..20"
}

scenario "a88_signed_images_fast_seeds" {
  from  = "../a88_signed_images.hcl#a88_signed_images_fast"
  seeds = "1..20"
}

scenario "a90_windows_records_seeds" {
  from  = "../a90_windows_records.hcl#a90_windows_records"
  seeds = "1..20"
}

scenario "a91_profile_cell_seeds" {
  from  = "../a91_profile_cell.hcl#a91_profile_cell"
  seeds = "1..20"
}

scenario "a91_profile_cell_both_seeds" {
  from  = "../a91_profile_cell.hcl#a91_profile_cell_both"
  seeds = "1..20"
}

# A91 both: the NMIs that check the profile's tag follow the tick count, so
# the latency follows the time of the attack more than the seed: the same
# attack 1.3 s and 2.7 s later.
scenario "a91_profile_cell_both_later_seeds" {
  from        = "../a91_profile_cell.hcl#a91_profile_cell_both"
  seeds       = "1..20"
  shift_steps = "1300ms"
}

scenario "a91_profile_cell_both_latest_seeds" {
  from        = "../a91_profile_cell.hcl#a91_profile_cell_both"
  seeds       = "1..20"
  shift_steps = "2700ms"
}

scenario "a92_jmp_thread_seeds" {
  from  = "../a92_jmp_thread.hcl#a92_jmp_thread"
  seeds = "1..20"
}

scenario "a92_jmp_thread_fast_seeds" {
  from     = "../a92_jmp_thread.hcl#a92_jmp_thread"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

scenario "a93_borrowed_text_seeds" {
  from  = "../a93_borrowed_text.hcl#a93_borrowed_text"
  seeds = "1..20"
}

scenario "a93_borrowed_text_fast_seeds" {
  from     = "../a93_borrowed_text.hcl#a93_borrowed_text"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

scenario "a94_unrepaired_stop_seeds" {
  from  = "../a94_unrepaired_stop.hcl#a94_unrepaired_stop"
  seeds = "1..20"
}

scenario "a94_unrepaired_stop_both_seeds" {
  from  = "../a94_unrepaired_stop.hcl#a94_unrepaired_stop_both"
  seeds = "1..20"
}

scenario "a94_unrepaired_stop_fast_seeds" {
  from  = "../a94_unrepaired_stop.hcl#a94_unrepaired_stop_fast"
  seeds = "1..20"
}

scenario "a95_silence_seeds" {
  from  = "../a95_silence.hcl#a95_silence"
  seeds = "1..20"
}

scenario "a95_silence_fast_seeds" {
  from  = "../a95_silence.hcl#a95_silence_fast"
  seeds = "1..20"
}

scenario "a95_silence_nosplit_seeds" {
  from  = "../a95_silence.hcl#a95_silence_nosplit"
  seeds = "1..20"
}

scenario "a95_silence_nosplit_fast_seeds" {
  from  = "../a95_silence.hcl#a95_silence_nosplit_fast"
  seeds = "1..20"
}

scenario "a96_own_stack_seeds" {
  from  = "../a96_own_stack.hcl#a96_own_stack"
  seeds = "1..20"
}

scenario "a96_own_stack_fast_seeds" {
  from     = "../a96_own_stack.hcl#a96_own_stack"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

scenario "a97_timed_split_seeds" {
  from  = "../a97_timed_split.hcl#a97_timed_split"
  seeds = "1..20"
}

scenario "a98_data_split_seeds" {
  from  = "../a98_data_split.hcl#a98_data_split"
  seeds = "1..20"
}

scenario "a98_data_split_fast_seeds" {
  from  = "../a98_data_split.hcl#a98_data_split_fast"
  seeds = "1..20"
}

scenario "a99_pce_seeds" {
  from  = "../a99_control_bits.hcl#a99_pce"
  seeds = "1..20"
}

scenario "a99_tsd_seeds" {
  from  = "../a99_control_bits.hcl#a99_tsd"
  seeds = "1..20"
}

scenario "a99_osfxsr_seeds" {
  from  = "../a99_control_bits.hcl#a99_osfxsr"
  seeds = "1..20"
}

scenario "a99_am_seeds" {
  from  = "../a99_control_bits.hcl#a99_am"
  seeds = "1..20"
}

scenario "a99_cd_seeds" {
  from  = "../a99_control_bits.hcl#a99_cd"
  seeds = "1..20"
}

scenario "a99_pce_fast_seeds" {
  from  = "../a99_control_bits.hcl#a99_pce_fast"
  seeds = "1..20"
}

scenario "a110_dm_split_seeds" {
  from  = "../a110_dm_split.hcl#a110_dm_split"
  seeds = "1..20"
}

scenario "a110_dm_split_fast_seeds" {
  from        = "../a110_dm_split.hcl#a110_dm_split"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

scenario "a111_probe_write_seeds" {
  from  = "../a111_probe_write.hcl#a111_probe_write"
  seeds = "1..20"
}

scenario "a111_probe_write_fast_seeds" {
  from        = "../a111_probe_write.hcl#a111_probe_write"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

scenario "a112_shadow_view_seeds" {
  from  = "../a112_shadow_view.hcl#a112_shadow_view"
  seeds = "1..20"
}

scenario "a112_shadow_view_fast_seeds" {
  from        = "../a112_shadow_view.hcl#a112_shadow_view"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

scenario "a113_ret_gadget_seeds" {
  from  = "../a113_ret_gadget.hcl#a113_ret_gadget"
  seeds = "1..20"
}

scenario "a113_ret_gadget_fast_seeds" {
  from     = "../a113_ret_gadget.hcl#a113_ret_gadget"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

scenario "a114_process_half_seeds" {
  from  = "../a114_process_half.hcl#a114_process_half"
  seeds = "1..20"
}

scenario "a114_process_half_fast_seeds" {
  from        = "../a114_process_half.hcl#a114_process_half"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
}

# pg7: A95 and A97 in the windows profile, A100, A101.
scenario "a95_silence_windows_seeds" {
  from  = "../a95_silence.hcl#a95_silence_windows"
  seeds = "1..20"
}

scenario "a97_timed_split_windows_seeds" {
  from        = "../a97_timed_split.hcl#a97_timed_split"
  description = "A97 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

scenario "a100_smap_enabled_seeds" {
  from  = "../a100_cpu_flags.hcl#a100_smap_enabled"
  seeds = "1..20"
}

scenario "a100_fxsr_seeds" {
  from  = "../a100_cpu_flags.hcl#a100_fxsr"
  seeds = "1..20"
}

scenario "a100_smap_copy_seeds" {
  from  = "../a100_cpu_flags.hcl#a100_smap_copy"
  seeds = "1..20"
}

scenario "a100_smap_enabled_fast_seeds" {
  from        = "../a100_cpu_flags.hcl#a100_smap_enabled"
  description = "A100 (smap_enabled) in the fast profile"
  append   = ""
  max_time = "20s"
  within   = "16s"
  seeds    = "1..20"
}

scenario "a101_driver_rodata_seeds" {
  from  = "../a101_driver_rodata.hcl#a101_driver_rodata"
  seeds = "1..20"
}

scenario "a101_driver_rodata_fast_seeds" {
  from        = "../a101_driver_rodata.hcl#a101_driver_rodata"
  description = "A101 in the fast profile"
  append   = ""
  max_time = "20s"
  within   = "16s"
  seeds    = "1..20"
}

# pg8: A98, A110, A111, A112 and A114 in the windows profile.

scenario "a98_data_split_windows_seeds" {
  from        = "../a98_data_split.hcl#a98_data_split"
  description = "A98 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

scenario "a110_dm_split_windows_seeds" {
  from        = "../a110_dm_split.hcl#a110_dm_split"
  description = "A110 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

scenario "a111_probe_write_windows_seeds" {
  from        = "../a111_probe_write.hcl#a111_probe_write"
  description = "A111 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

scenario "a112_shadow_view_windows_seeds" {
  from        = "../a112_shadow_view.hcl#a112_shadow_view"
  description = "A112 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

scenario "a114_process_half_windows_seeds" {
  from        = "../a114_process_half.hcl#a114_process_half"
  description = "A114 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

# atk8: A140 onwards (classes 1, 2, 5, 6, 8).

scenario "a140_nmi_stop_seeds" {
  from  = "../a140_nmi_stop.hcl#a140_nmi_stop"
  seeds = "1..20"
}

scenario "a140_nmi_stop_fast_seeds" {
  from        = "../a140_nmi_stop.hcl#a140_nmi_stop"
  description = "A140 in the fast profile"
  append   = "pg.profile=fast"
  max_time = "20s"
  within   = "16s"
  seeds    = "1..20"
}

scenario "a141_straddle_seeds" {
  from  = "../a141_straddle.hcl#a141_straddle"
  seeds = "1..20"
}

scenario "a141_straddle_fast_seeds" {
  from        = "../a141_straddle.hcl#a141_straddle"
  description = "A141 in the fast profile"
  append   = "pg.profile=fast"
  max_time = "20s"
  within   = "16s"
  seeds    = "1..20"
}

scenario "a141_straddle_windows_seeds" {
  from        = "../a141_straddle.hcl#a141_straddle"
  description = "A141 in the windows profile"
  append   = "pg.profile=windows"
  max_time = "10m"
  within   = "9m"
  seeds    = "1..20"
}

scenario "a142_irql_frozen_seeds" {
  from  = "../a142_irql_frozen.hcl#a142_irql_frozen"
  seeds = "1..20"
}

scenario "a142_irql_frozen_fast_seeds" {
  from        = "../a142_irql_frozen.hcl#a142_irql_frozen"
  description = "A142 in the fast profile"
  append   = "pg.profile=fast"
  max_time = "20s"
  within   = "16s"
  seeds    = "1..20"
}

scenario "a143_hk_cancel_seeds" {
  from  = "../a143_hk_timer.hcl#a143_hk_cancel"
  seeds = "1..20"
}

scenario "a143_hk_later_seeds" {
  from  = "../a143_hk_timer.hcl#a143_hk_later"
  seeds = "1..20"
}

scenario "a143_hk_later_fast_seeds" {
  from        = "../a143_hk_timer.hcl#a143_hk_later"
  description = "A143 (later) in the fast profile"
  append   = "pg.profile=fast"
  max_time = "20s"
  within   = "16s"
  seeds    = "1..20"
}

# red8: A115 (debug registers).
scenario "a115_debug_regs_seeds" {
  from  = "../a115_debug_regs.hcl#a115_debug_regs"
  seeds = "1..20"
}

scenario "a115_debug_regs_fast_seeds" {
  from     = "../a115_debug_regs.hcl#a115_debug_regs"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

scenario "a115_debug_regs_windows_seeds" {
  from        = "../a115_debug_regs.hcl#a115_debug_regs"
  description = "A115 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

scenario "a115_debug_swallow_seeds" {
  from  = "../a115_debug_regs.hcl#a115_debug_swallow"
  seeds = "1..20"
}

scenario "a115_debug_watch_seeds" {
  from  = "../a115_debug_regs.hcl#a115_debug_watch"
  seeds = "1..20"
}

# red8: A116 (a thread off the list of every thread).
scenario "a116_unlisted_waiter_seeds" {
  from  = "../a116_unlisted_waiter.hcl#a116_unlisted_waiter"
  seeds = "1..20"
}

scenario "a116_unlisted_waiter_fast_seeds" {
  from     = "../a116_unlisted_waiter.hcl#a116_unlisted_waiter"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

scenario "a116_unlisted_waiter_windows_seeds" {
  from        = "../a116_unlisted_waiter.hcl#a116_unlisted_waiter"
  description = "A116 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

scenario "a116_unlisted_sleeper_seeds" {
  from  = "../a116_unlisted_waiter.hcl#a116_unlisted_sleeper"
  seeds = "1..20"
}

# red8: A117 (a hidden thread whose continuation lies in memory only).
scenario "a117_memory_continuation_seeds" {
  from  = "../a117_memory_continuation.hcl#a117_memory_continuation"
  seeds = "1..20"
}

scenario "a117_memory_continuation_fast_seeds" {
  from     = "../a117_memory_continuation.hcl#a117_memory_continuation"
  seeds    = "1..20"
  append   = "pg.profile=fast"
  max_time = "30s"
  within   = "16s"
}

# red9: A130 (the TSC written with WRMSR).
scenario "a130_tsc_rewind_seeds" {
  from  = "../a130_tsc.hcl#a130_tsc_rewind"
  seeds = "1..20"
}

scenario "a130_tsc_forward_seeds" {
  from  = "../a130_tsc.hcl#a130_tsc_forward"
  seeds = "1..20"
}

scenario "a130_tsc_slow_seeds" {
  from  = "../a130_tsc.hcl#a130_tsc_slow"
  seeds = "1..20"
}

scenario "a130_tsc_hold_seeds" {
  from  = "../a130_tsc.hcl#a130_tsc_hold"
  seeds = "1..20"
}

scenario "a130_tsc_slow_fast_seeds" {
  from  = "../a130_tsc.hcl#a130_tsc_slow_fast"
  seeds = "1..20"
}

scenario "a130_tsc_slow_windows_seeds" {
  from        = "../a130_tsc.hcl#a130_tsc_slow"
  description = "A130 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red9: A131 (the local APIC moved or disabled through IA32_APIC_BASE).
scenario "a131_apic_move_seeds" {
  from  = "../a131_apic_base.hcl#a131_apic_move"
  seeds = "1..20"
}

scenario "a131_apic_move_pte_seeds" {
  from  = "../a131_apic_base.hcl#a131_apic_move_pte"
  seeds = "1..20"
}

scenario "a131_apic_disable_seeds" {
  from  = "../a131_apic_base.hcl#a131_apic_disable"
  seeds = "1..20"
}

scenario "a131_apic_move_pte_fast_seeds" {
  from  = "../a131_apic_base.hcl#a131_apic_move_pte_fast"
  seeds = "1..20"
}

# red9: A132 (the ACPI PM timer moved or switched off at its PCI function).
scenario "a132_pm_move_seeds" {
  from  = "../a132_pm_timer.hcl#a132_pm_move"
  seeds = "1..20"
}

scenario "a132_pm_off_seeds" {
  from  = "../a132_pm_timer.hcl#a132_pm_off"
  seeds = "1..20"
}

scenario "a132_pm_hold_seeds" {
  from  = "../a132_pm_timer.hcl#a132_pm_hold"
  seeds = "1..20"
}

scenario "a132_pm_hold_fast_seeds" {
  from  = "../a132_pm_timer.hcl#a132_pm_hold_fast"
  seeds = "1..20"
}

scenario "a132_pm_move_windows_seeds" {
  from        = "../a132_pm_timer.hcl#a132_pm_move"
  description = "A132 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red10x: A144 (the stop path's NMI-taken flag set beforehand, then A140).
scenario "a144_nmi_taken_seeds" {
  from  = "../a144_nmi_taken.hcl#a144_nmi_taken"
  seeds = "1..20"
}

scenario "a144_nmi_taken_fast_seeds" {
  from        = "../a144_nmi_taken.hcl#a144_nmi_taken"
  description = "A144 in the fast profile"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
  seeds       = "1..20"
}

scenario "a144_nmi_taken_windows_seeds" {
  from        = "../a144_nmi_taken.hcl#a144_nmi_taken"
  description = "A144 in the windows profile"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
  seeds       = "1..20"
}

# red10x: A145 (A34's step-out, also out of the full checks' ticks).
# A measurement, not the profile's bound: a random pass comes 512 s apart on average in
# windows, so about one seed in three is found past 9 minutes (docs/patchguard.md, A145).
scenario "a145_stepout_windows_seeds" {
  from        = "../a145_stepout.hcl#a145_stepout_fast"
  seeds       = "1..20"
  description = "A145 in the windows profile (measured over an hour)"
  append      = "pg.profile=windows"
  max_time    = "60m"
  within      = "58m"
}

scenario "a145_stepout_fast_seeds" {
  from  = "../a145_stepout.hcl#a145_stepout_fast"
  seeds = "1..20"
}

# red10y: A150 (a driver's code run from pool through an executable mapping
# of its own, the driver unloaded).
scenario "a150_alias_seeds" {
  from  = "../a150_alias.hcl#a150_alias"
  seeds = "1..20"
}

scenario "a150_alias_pd_seeds" {
  from  = "../a150_alias.hcl#a150_alias_pd"
  seeds = "1..20"
}

scenario "a150_alias_fast_seeds" {
  from        = "../a150_alias.hcl#a150_alias"
  description = "A150 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a150_alias_windows_seeds" {
  from        = "../a150_alias.hcl#a150_alias"
  description = "A150 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red10y: A151 (A150's code in a supervisor page of a process's user half).
scenario "a151_user_half_seeds" {
  from  = "../a151_user_half.hcl#a151_user_half"
  seeds = "1..20"
}

scenario "a151_user_half_fast_seeds" {
  from        = "../a151_user_half.hcl#a151_user_half"
  description = "A151 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a151_user_half_windows_seeds" {
  from        = "../a151_user_half.hcl#a151_user_half"
  description = "A151 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red10t: A133 (the NMI's work draw in windows steered by writing the TSC
# over every PIT edge, with A130's slow TSC).
scenario "a133_tsc_draw_slow_seeds" {
  from  = "../a133_tsc_draw.hcl#a133_tsc_draw_slow"
  seeds = "1..20"
}

scenario "a133_tsc_draw_slow_fast_seeds" {
  from  = "../a133_tsc_draw.hcl#a133_tsc_draw_slow_fast"
  seeds = "1..20"
}

# pgw10: A133 in the windows profile, since the NMI's work is drawn from
# RDRAND, the PM timer and the tick, not the TSC.
scenario "a133_tsc_draw_slow_windows_seeds" {
  from        = "../a133_tsc_draw.hcl#a133_tsc_draw_slow"
  description = "A133 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red10t: A134 (the TSC rate check's stretch reset on every tick, with
# A130's slow TSC).
scenario "a134_rate_state_seeds" {
  from  = "../a134_rate_state.hcl#a134_rate_state"
  seeds = "1..20"
}

scenario "a134_rate_state_fast_seeds" {
  from  = "../a134_rate_state.hcl#a134_rate_state_fast"
  seeds = "1..20"
}

scenario "a134_rate_state_windows_seeds" {
  from        = "../a134_rate_state.hcl#a134_rate_state"
  description = "A134 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red10x: A146 (A140's NMI gate aimed at the window before the stop path's NMI block).
scenario "a146_nmi_window_seeds" {
  from  = "../a146_nmi_window.hcl#a146_nmi_window"
  seeds = "1..20"
}

scenario "a146_nmi_window_fast_seeds" {
  from        = "../a146_nmi_window.hcl#a146_nmi_window"
  description = "A146 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "20s"
  within      = "16s"
  shift_steps = "970ms"
}

scenario "a146_nmi_window_windows_seeds" {
  from        = "../a146_nmi_window.hcl#a146_nmi_window"
  description = "A146 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
  shift_steps = "970ms"
}

# red10t: the tick hook's "TSC went back" check, A130's rewind at 5 s.
scenario "a130_tsc_rewind_late_windows_seeds" {
  from  = "../a130_tsc.hcl#a130_tsc_rewind_late_windows"
  seeds = "1..20"
}

# red10t: A135 (A131's move_pte with the EOI written to the real APIC
# through a mapping of the driver's own: the tick keeps coming).
scenario "a135_apic_eoi_seeds" {
  from  = "../a135_apic_eoi.hcl#a135_apic_eoi"
  seeds = "1..20"
}

scenario "a135_apic_eoi_fast_seeds" {
  from  = "../a135_apic_eoi.hcl#a135_apic_eoi_fast"
  seeds = "1..20"
}

scenario "a135_apic_eoi_windows_seeds" {
  from        = "../a135_apic_eoi.hcl#a135_apic_eoi_fast"
  description = "A135 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red10y: A152 (TR loaded with a longer TSS limit, the GDT put back).
scenario "a152_tr_cache_seeds" {
  from  = "../a152_tr_cache.hcl#a152_tr_cache"
  seeds = "1..20"
}

scenario "a152_tr_cache_fast_seeds" {
  from        = "../a152_tr_cache.hcl#a152_tr_cache"
  description = "A152 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
}

# red11: A153 (TR loaded from a TSS copy in pool whose IST2, the NMI's
# stack, is the driver's), A154 (the copy's RSP0 the driver's, with spin
# running in ring 3) and A155 (the copy's I/O map opening every port, its
# stacks the kernel's).
scenario "a153_tss_copy_seeds" {
  from  = "../a153_tss_copy.hcl#a153_tss_copy"
  seeds = "1..20"
}

scenario "a153_tss_copy_fast_seeds" {
  from        = "../a153_tss_copy.hcl#a153_tss_copy"
  description = "A153 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a153_tss_copy_windows_seeds" {
  from        = "../a153_tss_copy.hcl#a153_tss_copy"
  description = "A153 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

scenario "a154_tss_copy_rsp0_seeds" {
  from  = "../a153_tss_copy.hcl#a154_tss_copy_rsp0"
  seeds = "1..20"
}

scenario "a154_tss_copy_rsp0_fast_seeds" {
  from        = "../a153_tss_copy.hcl#a154_tss_copy_rsp0"
  description = "A154 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a154_tss_copy_rsp0_windows_seeds" {
  from        = "../a153_tss_copy.hcl#a154_tss_copy_rsp0"
  description = "A154 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# pgw11: A136 (the tick held back, the PIT edge count of windows kept low) and
# A137 (a bit of the TSS's I/O map cleared; the map checked for all ones).
scenario "a136_pit_edges_seeds" {
  from  = "../a136_pit_edges.hcl#a136_pit_edges"
  seeds = "1..20"
}

scenario "a136_pit_edges_fast_seeds" {
  from        = "../a136_pit_edges.hcl#a136_pit_edges"
  description = "A136 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "25s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a136_pit_edges_windows_seeds" {
  from        = "../a136_pit_edges.hcl#a136_pit_edges"
  description = "A136 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

scenario "a137_tss_map_bit_seeds" {
  from  = "../a137_tss_map_bit.hcl#a137_tss_map_bit"
  seeds = "1..20"
}

scenario "a137_tss_map_bit_fast_seeds" {
  from        = "../a137_tss_map_bit.hcl#a137_tss_map_bit"
  description = "A137 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "25s"
  within      = "16s"
  shift_steps = "4970ms"
}

scenario "a137_tss_map_bit_windows_seeds" {
  from        = "../a137_tss_map_bit.hcl#a137_tss_map_bit"
  description = "A137 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

# red11: A155 (the copy's I/O map opening every port, its stacks the
# kernel's; see A153 above).
scenario "a155_tss_copy_ports_seeds" {
  from  = "../a153_tss_copy.hcl#a155_tss_copy_ports"
  seeds = "1..20"
}

scenario "a155_tss_copy_ports_fast_seeds" {
  from        = "../a153_tss_copy.hcl#a155_tss_copy_ports"
  description = "A155 in the fast profile"
  seeds       = "1..20"
  append      = "pg.profile=fast"
  max_time    = "30s"
  within      = "16s"
}

scenario "a155_tss_copy_ports_windows_seeds" {
  from        = "../a153_tss_copy.hcl#a155_tss_copy_ports"
  description = "A155 in the windows profile"
  seeds       = "1..20"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}

scenario "a156_pat_seeds" {
  from  = "../a156_memtype.hcl#a156_pat"
  seeds = "1..20"
}

scenario "a156_mtrr_seeds" {
  from  = "../a156_memtype.hcl#a156_mtrr"
  seeds = "1..20"
}

scenario "a156_pat_fast_seeds" {
  from  = "../a156_memtype.hcl#a156_pat_fast"
  seeds = "1..20"
}

scenario "a156_pat_windows_seeds" {
  from        = "../a156_memtype.hcl#a156_pat_fast"
  seeds       = "1..20"
  description = "A156: IA32_PAT's entry 0 to uncacheable (windows profile)"
  append      = "pg.profile=windows"
  max_time    = "10m"
  within      = "9m"
}
