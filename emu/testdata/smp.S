/*
 * The SMP probe: an a.out-kludge Multiboot image at 64 KiB for machines
 * with several processors (QEMU -smp N, kppemu --smp N). The bootstrap
 * processor reads the CPU count from fw_cfg (key 0x05) and from the ACPI
 * tables (RSDP in the BIOS area, RSDT, MADT; the FADT's PM timer must
 * count; run QEMU with hpet=off, as this machine has no HPET), starts the others
 * with INIT and two start-up IPIs (vector 0x11: the real-mode trampoline at
 * 0x11000, which enters 32-bit protected mode), waits until every one has
 * checked in, then checks:
 *   - each AP's APIC ID against its CPUID initial APIC ID;
 *   - IPI ping-pong: fixed IPIs to each AP by physical destination, each
 *     answered by a fixed IPI back to the BSP;
 *   - an NMI IPI to each AP, a broadcast to all but self, a logical
 *     (flat model) multicast, a lowest-priority IPI (exactly one AP takes
 *     it) and a self IPI;
 *   - a spinlock (XCHG) and LOCK INC counter that every processor
 *     increments K times: both must reach N*K.
 * The BSP prints every result after the processors have synchronised, so
 * the transcript does not depend on the interleaving. Exit status 0x21.
 */
	.set LOAD, 0x10000
	.set MB_FLAGS, 0x00010003
	.set LAPIC, 0xFEE00000
	.set L_ID, 0x20
	.set L_EOI, 0xB0
	.set L_LDR, 0xD0
	.set L_DFR, 0xE0
	.set L_SVR, 0xF0
	.set L_ICRLO, 0x300
	.set L_ICRHI, 0x310
	.set MAXCPU, 16
	.set K, 2000
	.set ROUNDS, 10
	.set V_PING, 0x40
	.set V_PONG, 0x41
	.set V_BCAST, 0x42
	.set V_LOGICAL, 0x43
	.set V_LOWEST, 0x44
	.set V_SELF, 0x45
	.set V_WAKE, 0x46

	.include "smp.inc"

	.include "probe.inc"

entry:
	SMP_ENTRY
	movb $0xFF, %al			/* the 8259s stay out of this */
	outb %al, $0x21
	outb %al, $0xA1
	call setup_idt
	lidt idtr
	movl $0x1FF, LAPIC + L_SVR	/* software-enable, spurious vector 0xFF */

	FWCFG_NCPUS
	movl $s_ncpus, %esi
	call puts
	movl ncpus, %eax
	call hex32
	call newline
	call acpi

	/* INIT, then two start-up IPIs, to all but self. */
	movl $0x000C4500, %eax
	call send_ipi
	movl $0x000C4611, %eax
	call send_ipi
	movl $0x000C4611, %eax
	call send_ipi
	movl ncpus, %ecx
	decl %ecx
1:	pause
	cmpl %ecx, checkins
	jne 1b

	movl $s_checkin, %esi
	call puts
	movl checkins, %eax
	call hex32
	call newline
	movl $1, %ebx
2:	cmpl ncpus, %ebx
	jae 3f
	movl $s_ap, %esi
	call puts
	movl %ebx, %eax
	call hex32
	call space
	movl ap_cpuid(,%ebx,4), %eax
	call hex32
	call space
	movl ap_cs(,%ebx,4), %eax
	call hex32
	call newline
	incl %ebx
	jmp 2b
3:
	sti
	/* Ping-pong with each AP, ROUNDS times. */
	movl $1, %ebx
4:	cmpl ncpus, %ebx
	jae 6f
	movl $ROUNDS, %edi
5:	movl pongs, %ebp
	movl %ebx, %eax
	shll $24, %eax
	movl %eax, LAPIC + L_ICRHI
	movl $V_PING, %eax		/* fixed, physical */
	call send_ipi_nohi
7:	pause
	cmpl pongs, %ebp
	je 7b
	decl %edi
	jnz 5b
	/* And one NMI. */
	movl %ebx, %eax
	shll $24, %eax
	movl %eax, LAPIC + L_ICRHI
	movl $0x400, %eax
	call send_ipi_nohi
8:	pause
	cmpl $0, nmis(,%ebx,4)
	je 8b
	incl %ebx
	jmp 4b
6:
	movl $s_pingpong, %esi
	call puts
	movl pongs, %eax
	call hex32
	call space
	xorl %eax, %eax
	movl $1, %ebx
9:	cmpl ncpus, %ebx
	jae 10f
	addl pings(,%ebx,4), %eax
	addl nmis(,%ebx,4), %eax
	incl %ebx
	jmp 9b
10:	call hex32
	call newline

	/* Broadcast to all but self, logical multicast, lowest priority, self. */
	movl ncpus, %ecx
	decl %ecx
	movl $0x000C0000 | V_BCAST, %eax
	call send_ipi
11:	pause
	cmpl %ecx, bcasts
	jne 11b
	cmpl $7, %ecx			/* the flat model has 8 logical IDs */
	jbe 17f
	movl $7, %ecx
17:	movl $0xFE000000, LAPIC + L_ICRHI	/* logical: the bits of APs 1-7 */
	movl $0x800 | V_LOGICAL, %eax
	call send_ipi_nohi
12:	pause
	cmpl %ecx, logicals
	jne 12b
	movl $0xFE000000, LAPIC + L_ICRHI
	movl $0x900 | V_LOWEST, %eax	/* lowest priority, logical */
	call send_ipi_nohi
13:	pause
	cmpl $0, lowests
	je 13b
	movl $0x00040000 | V_SELF, %eax
	call send_ipi
14:	pause
	cmpl $0, selfs
	je 14b
	/* Let a second lowest-priority delivery show up if there were one. */
	movl $100000, %ecx
15:	pause
	loop 15b
	movl $s_multi, %esi
	call puts
	movl bcasts, %eax
	call hex32
	call space
	movl logicals, %eax
	call hex32
	call space
	movl lowests, %eax
	call hex32
	call space
	movl selfs, %eax
	call hex32
	call newline

	/* Every processor increments both counters K times. */
	cli
	movl $1, go
	movl $0x000C0000 | V_WAKE, %eax	/* wake the halted APs */
	call send_ipi
	call work
16:	pause
	movl ncpus, %eax
	cmpl %eax, done
	jne 16b
	movl $s_counter, %esi
	call puts
	movl counter, %eax
	call hex32
	call space
	movl lcounter, %eax
	call hex32
	call space
	movl ncpus, %eax
	imull $K, %eax
	call hex32
	call newline
	movl $0x10, %eax
	call finish

/* acpi: find the RSDP, list the RSDT's tables, count the MADT's entries,
 * check that the FADT's PM timer counts. */
acpi:
	movl $0xE0000, %edi
1:	cmpl $0x20445352, (%edi)	/* "RSD " */
	jne 2f
	cmpl $0x20525450, 4(%edi)	/* "PTR " */
	je 3f
2:	addl $16, %edi
	cmpl $0x100000, %edi
	jb 1b
	movl $s_nordsp, %esi
	jmp puts
3:	movl $s_acpi, %esi
	call puts
	movzbl 15(%edi), %eax		/* revision */
	call hex32
	movl $s_tables, %esi
	call puts
	movl 16(%edi), %ebx		/* RSDT */
	movl 4(%ebx), %ecx
	subl $36, %ecx
	shrl $2, %ecx
	leal 36(%ebx), %ebp
4:	movl (%ebp), %edx
	movl (%edx), %eax
	movl %eax, sigbuf
	movl $sigbuf, %esi
	call puts
	call space
	cmpl $0x43495041, (%edx)	/* "APIC" */
	jne 5f
	movl %edx, madt
5:	cmpl $0x50434146, (%edx)	/* "FACP" */
	jne 6f
	movl %edx, fadt
6:	addl $4, %ebp
	loop 4b
	call newline

	/* MADT: processors, I/O APICs, overrides, NMI entries. */
	movl madt, %edx
	movl $s_madt, %esi
	call puts
	movl 36(%edx), %eax		/* local APIC address */
	call hex32
	call space
	movl 4(%edx), %ecx
	leal 44(%edx), %esi
	addl %edx, %ecx			/* end */
	xorl %ebx, %ebx			/* counts by type, 4 bits each */
7:	cmpl %ecx, %esi
	jae 8f
	movzbl (%esi), %eax
	cmpl $0, %eax
	jne 9f
	testb $1, 4(%esi)		/* enabled processors only */
	jz 10f
9:	leal (,%eax,4), %eax
	pushl %ecx
	movl %eax, %ecx
	movl $1, %eax
	shll %cl, %eax
	popl %ecx
	addl %eax, %ebx
	cmpb $1, (%esi)
	jne 10f
	movl 4(%esi), %eax		/* the I/O APIC's address */
	movl %eax, ioapic
10:	movzbl 1(%esi), %eax
	addl %eax, %esi
	jmp 7b
8:	movl %ebx, %eax			/* NMI, -, override, I/O APIC, LAPIC */
	call hex32
	call space
	movl ioapic, %eax
	call hex32
	call newline

	/* FADT: the PM timer counts. */
	movl fadt, %edx
	movl $s_pmtmr, %esi
	call puts
	movl 76(%edx), %edx		/* PM_TMR_BLK */
	movl %edx, %eax
	call hex32
	call space
	inl %dx, %eax
	movl %eax, %ebx
	movl $200000, %ecx
11:	loop 11b
	inl %dx, %eax
	subl %ebx, %eax
	andl $0xFFFFFF, %eax
	setnz %al
	movzbl %al, %eax
	call hex32
	jmp newline

/* work: K increments under the spinlock and K LOCK INCs, then done++. */
work:
	movl $K, %ecx
1:	movl $1, %eax
2:	xchgl %eax, spin
	testl %eax, %eax
	jz 4f
3:	pause
	cmpl $0, spin
	jne 3b
	movl $1, %eax
	jmp 2b
4:	movl counter, %eax	/* a plain read-modify-write, protected by the lock */
	incl %eax
	movl %eax, counter
	movl $0, spin
	lock incl lcounter
	loop 1b
	lock incl done
	ret

/* send_ipi: ICR low = %eax (destination field untouched). */
send_ipi:
	movl $0, LAPIC + L_ICRHI
send_ipi_nohi:
	movl %eax, LAPIC + L_ICRLO
1:	testl $0x1000, LAPIC + L_ICRLO
	jnz 1b
	ret

/* setup_idt: interrupt gates for the vectors the probe uses. */
setup_idt:
	movl $2, %eax
	movl $nmi_handler, %edx
	call set_gate
	movl $V_PING, %eax
	movl $ping_handler, %edx
	call set_gate
	movl $V_PONG, %eax
	movl $pong_handler, %edx
	call set_gate
	movl $V_BCAST, %eax
	movl $bcast_handler, %edx
	call set_gate
	movl $V_LOGICAL, %eax
	movl $logical_handler, %edx
	call set_gate
	movl $V_LOWEST, %eax
	movl $lowest_handler, %edx
	call set_gate
	movl $V_SELF, %eax
	movl $self_handler, %edx
	call set_gate
	movl $V_WAKE, %eax
	movl $wake_handler, %edx
	call set_gate
	movl $0xFF, %eax
	movl $spurious_handler, %edx
	jmp set_gate

set_gate:
	movw %dx, idt(,%eax,8)
	movw $0x08, idt+2(,%eax,8)
	movw $0x8E00, idt+4(,%eax,8)
	shrl $16, %edx
	movw %dx, idt+6(,%eax,8)
	ret

/* my_id: %eax = this processor's APIC ID. */
my_id:
	movl LAPIC + L_ID, %eax
	shrl $24, %eax
	ret

eoi:
	movl $0, LAPIC + L_EOI
	ret

ping_handler:
	pushal
	call my_id
	incl pings(,%eax,4)
	movl $0, LAPIC + L_ICRHI	/* answer the BSP (APIC ID 0) */
	movl $V_PONG, LAPIC + L_ICRLO
	call eoi
	popal
	iret

pong_handler:
	pushal
	incl pongs
	call eoi
	popal
	iret

nmi_handler:
	pushal
	call my_id
	incl nmis(,%eax,4)
	popal
	iret

bcast_handler:
	pushal
	lock incl bcasts
	call eoi
	popal
	iret

logical_handler:
	pushal
	lock incl logicals
	call eoi
	popal
	iret

lowest_handler:
	pushal
	lock incl lowests
	call eoi
	popal
	iret

self_handler:
	pushal
	incl selfs
	call eoi
	popal
	iret

wake_handler:
	pushal
	call eoi
	popal
	iret

spurious_handler:
	iret

/* The application processors' 32-bit entry. */
ap_main:
	AP_ENTRY
	lidt idtr
	movl $0x1FF, LAPIC + L_SVR
	movl $0xFFFFFFFF, LAPIC + L_DFR	/* flat model, LDR bit = APIC ID */
	movl $1, %eax
	movb %bl, %cl
	shll %cl, %eax
	shll $24, %eax
	movl %eax, LAPIC + L_LDR
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	call my_id
	movl %ebx, ap_cpuid(,%eax,4)
	movzwl tramp_cs - tramp + 0x11000, %edx
	movl %edx, ap_cs(,%eax,4)
	lock incl checkins
	sti
1:	cmpl $0, go
	jne 2f
	hlt
	jmp 1b
2:	cli
	call work
3:	hlt
	jmp 3b

	PROBE_ROUTINES

s_ncpus:	.asciz "smp: fw_cfg cpus "
s_checkin:	.asciz "aps checked in "
s_ap:		.asciz "ap "
s_pingpong:	.asciz "ping-pong pongs, pings+nmis "
s_multi:	.asciz "broadcast logical lowest self "
s_counter:	.asciz "spinlock, lock inc, expected "
s_nordsp:	.asciz "no RSDP\n"
s_acpi:		.asciz "acpi: rsdp revision "
s_tables:	.asciz ", rsdt: "
s_madt:		.asciz "madt: lapic address, entries by type, ioapic "
s_pmtmr:	.asciz "fadt: pm timer port, counts "

	.balign 8
idtr:
	.word 256*8 - 1
	.long idt
	SMP_TRAMPOLINE

	.balign 4
ncpus:		.long 0
checkins:	.long 0
pongs:		.long 0
bcasts:		.long 0
logicals:	.long 0
lowests:	.long 0
selfs:		.long 0
go:		.long 0
done:		.long 0
spin:		.long 0
counter:	.long 0
lcounter:	.long 0
madt:		.long 0
fadt:		.long 0
ioapic:		.long 0
sigbuf:		.long 0, 0

	.bss
	.balign 16
pings:		.skip 4*MAXCPU
nmis:		.skip 4*MAXCPU
ap_cpuid:	.skip 4*MAXCPU
ap_cs:		.skip 4*MAXCPU
idt:		.skip 256*8
	.balign 4096
stacks:		.skip 4096*(MAXCPU+1)
bss_end:
