/*
 * The emu test guest: a minimal Multiboot v1 kernel that proves the boot
 * path before the real kernel exists. From the Multiboot entry state it
 * builds identity page tables, enters long mode, prints what the loader
 * handed it (command line, memory, memory map, modules) on COM1, writes a
 * log record to the kppemu event port, and exits through isa-debug-exit
 * with value 0 (exit status 1). It prints nothing that depends on timing,
 * so its transcript is the same on QEMU and kppemu.
 *
 * With "echo" on its command line it instead echoes COM1 input through the
 * UART's receive interrupt (8259 IRQ 4, vector 0x24), halting between
 * bytes, until it reads 'q'; then it exits the same way.
 */

	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003	/* page-align modules, want memory info */
	.set COM1, 0x3F8
	.set EVENT_PORT, 0x0EA0
	.set EVENT_MAGIC, 0x4550504B
	.set EV_LOG, 15
	.set DEBUG_EXIT, 0xF4

	.section .multiboot, "a"
	.balign 4
mbheader:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl start32
start32:
	cli
	movl $stack_top, %esp
	movl %eax, mb_magic
	movl %ebx, mb_info

	/* Identity-map the first 1 GiB with 2 MiB pages. */
	movl $pdpt + 3, pml4
	movl $pd + 3, pdpt
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* present, writable, 2 MiB */
	movl %eax, pd(,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl %cr4, %eax
	orl $0x20, %eax			/* CR4.PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx		/* EFER */
	rdmsr
	orl $0x100, %eax		/* EFER.LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax		/* CR0.PG | CR0.PE */
	movl %eax, %cr0
	lgdt gdtr
	ljmp $0x08, $start64

	.code64
start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movq $stack_top, %rsp

	call serial_init
	leaq msg_hello(%rip), %rsi
	call puts

	/* Loader facts. */
	leaq msg_magic(%rip), %rsi
	call puts
	movl mb_magic(%rip), %edi
	call puthex32
	call newline

	movl mb_info(%rip), %ebx
	leaq msg_flags(%rip), %rsi
	call puts
	movl (%rbx), %edi
	call puthex32
	call newline

	leaq msg_mem(%rip), %rsi
	call puts
	movl 4(%rbx), %edi
	call puthex32
	movb $' ', %al
	call putc
	movl 8(%rbx), %edi
	call puthex32
	call newline

	leaq msg_cmdline(%rip), %rsi
	call puts
	movl 16(%rbx), %esi
	call puts
	movb $']', %al
	call putc
	call newline

	/* Memory map: entries of {u32 size, u64 base, u64 length, u32 type}. */
	movl 48(%rbx), %r12d		/* mmap_addr */
	movl 44(%rbx), %r13d		/* mmap_length */
	addq %r12, %r13
2:	cmpq %r13, %r12
	jae 3f
	leaq msg_mmap(%rip), %rsi
	call puts
	movq 4(%r12), %rdi
	call puthex64
	movb $' ', %al
	call putc
	movq 12(%r12), %rdi
	call puthex64
	movb $' ', %al
	call putc
	movl 20(%r12), %edi
	call puthex32
	call newline
	movl (%r12), %eax
	leaq 4(%r12,%rax), %r12
	jmp 2b
3:
	/* Modules: {u32 start, u32 end, u32 cmdline, u32 pad}; print the
	 * command line, the size and a byte sum of the contents. */
	leaq msg_mods(%rip), %rsi
	call puts
	movl 20(%rbx), %edi
	call puthex32
	call newline
	movl 24(%rbx), %r12d		/* mods_addr */
	movl 20(%rbx), %r13d		/* mods_count */
4:	testl %r13d, %r13d
	jz 6f
	leaq msg_mod(%rip), %rsi
	call puts
	movl 8(%r12), %esi
	call puts
	movb $']', %al
	call putc
	movb $' ', %al
	call putc
	movl 4(%r12), %edi
	subl (%r12), %edi
	call puthex32
	movb $' ', %al
	call putc
	movl (%r12), %ecx
	movl 4(%r12), %edx
	xorl %edi, %edi
5:	cmpl %edx, %ecx
	jae 5f
	movzbl (%rcx), %eax
	addl %eax, %edi
	incl %ecx
	jmp 5b
5:	call puthex32
	call newline
	addq $16, %r12
	decl %r13d
	jmp 4b
6:
	/* Tell the host we got here: a log record on the event port (QEMU
	 * leaves the port unassigned and ignores the write). */
	movl $event, %eax
	movw $EVENT_PORT, %dx
	outl %eax, %dx

	/* "echo" on the command line: interrupt-driven echo mode. */
	movl mb_info(%rip), %ebx
	movl 16(%rbx), %esi
7:	movl (%rsi), %eax
	testb %al, %al
	jz done
	cmpl $0x6F686365, %eax		/* "echo" */
	je echo_mode
	incq %rsi
	jmp 7b

done:
	leaq msg_bye(%rip), %rsi
	call puts
exit:
	/* Let the transmitter drain, then leave through isa-debug-exit. */
	movw $COM1+5, %dx
1:	inb %dx, %al
	testb $0x40, %al
	jz 1b
	xorl %eax, %eax
	movw $DEBUG_EXIT, %dx
	outl %eax, %dx
	cli
2:	hlt
	jmp 2b

echo_mode:
	/* IDT: vectors 0x20-0x2F point at the IRQ handlers. */
	leaq irq_uart(%rip), %rax
	movl $0x24, %ecx
	call set_gate
	leaq irq_spurious(%rip), %rax
	movl $0x27, %ecx
	call set_gate
	lidt idtr(%rip)

	/* 8259 pair: vectors 0x20/0x28, cascade on IRQ 2, 8086 mode;
	 * only IRQ 4 unmasked. */
	movb $0x11, %al
	outb %al, $0x20
	outb %al, $0xA0
	movb $0x20, %al
	outb %al, $0x21
	movb $0x28, %al
	outb %al, $0xA1
	movb $0x04, %al
	outb %al, $0x21
	movb $0x02, %al
	outb %al, $0xA1
	movb $0x01, %al
	outb %al, $0x21
	outb %al, $0xA1
	movb $0xEF, %al
	outb %al, $0x21
	movb $0xFF, %al
	outb %al, $0xA1

	/* UART: receive interrupt on, OUT2 on. */
	movw $COM1+1, %dx
	movb $0x01, %al
	outb %al, %dx
	movw $COM1+4, %dx
	movb $0x0B, %al
	outb %al, %dx

	leaq msg_echo(%rip), %rsi
	call puts
1:	sti
	hlt
	jmp 1b

/* set_gate: IDT entry %ecx -> handler %rax (64-bit interrupt gate, CS 0x08). */
set_gate:
	leaq idt(%rip), %rdi
	shlq $4, %rcx
	addq %rcx, %rdi
	movw %ax, (%rdi)
	movw $0x08, 2(%rdi)
	movw $0x8E00, 4(%rdi)
	shrq $16, %rax
	movw %ax, 6(%rdi)
	shrq $16, %rax
	movl %eax, 8(%rdi)
	movl $0, 12(%rdi)
	ret

irq_uart:
	pushq %rax
	pushq %rdx
	pushq %rsi
1:	movw $COM1+5, %dx
	inb %dx, %al
	testb $1, %al
	jz 2f
	movw $COM1, %dx
	inb %dx, %al
	cmpb $'q', %al
	je 3f
	cmpb $'\r', %al
	jne 4f
	call newline
	jmp 1b
4:	call putc
	jmp 1b
2:	movb $0x20, %al			/* non-specific EOI */
	outb %al, $0x20
	popq %rsi
	popq %rdx
	popq %rax
	iretq
3:	leaq msg_bye(%rip), %rsi
	call puts
	jmp exit

irq_spurious:
	iretq

serial_init:
	movw $COM1+1, %dx		/* IER: no interrupts */
	xorb %al, %al
	outb %al, %dx
	movw $COM1+3, %dx		/* LCR: DLAB */
	movb $0x80, %al
	outb %al, %dx
	movw $COM1, %dx			/* divisor 1: 115200 baud */
	movb $1, %al
	outb %al, %dx
	movw $COM1+1, %dx
	xorb %al, %al
	outb %al, %dx
	movw $COM1+3, %dx		/* 8N1 */
	movb $0x03, %al
	outb %al, %dx
	movw $COM1+2, %dx		/* FIFO on, cleared, 14-byte trigger */
	movb $0xC7, %al
	outb %al, %dx
	ret

/* putc: %al to COM1 once THR is empty. Preserves everything but flags. */
putc:
	pushq %rdx
	pushq %rax
	movw $COM1+5, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	popq %rax
	movw $COM1, %dx
	outb %al, %dx
	popq %rdx
	ret

/* puts: the NUL-terminated string at %rsi. */
puts:
	pushq %rax
	pushq %rsi
1:	movb (%rsi), %al
	testb %al, %al
	jz 2f
	call putc
	incq %rsi
	jmp 1b
2:	popq %rsi
	popq %rax
	ret

newline:
	pushq %rax
	movb $'\r', %al
	call putc
	movb $'\n', %al
	call putc
	popq %rax
	ret

/* puthex64/puthex32: %rdi / %edi in hex with 16 / 8 digits. */
puthex64:
	movl $16, %ecx
	jmp puthex
puthex32:
	movl %edi, %edi
	movl $8, %ecx
	shlq $32, %rdi
puthex:
	pushq %rax
1:	rolq $4, %rdi
	movl %edi, %eax
	andl $0xF, %eax
	leaq hexdigits(%rip), %rdx
	movb (%rdx,%rax), %al
	call putc
	decl %ecx
	jnz 1b
	popq %rax
	ret

	.section .rodata
hexdigits:	.ascii "0123456789abcdef"
msg_hello:	.asciz "kppemu test guest: long mode\r\n"
msg_magic:	.asciz "magic "
msg_flags:	.asciz "flags "
msg_mem:	.asciz "mem "
msg_cmdline:	.asciz "cmdline ["
msg_mmap:	.asciz "mmap "
msg_mods:	.asciz "mods "
msg_mod:	.asciz "mod ["
msg_echo:	.asciz "echo: type, q quits\r\n"
msg_bye:	.asciz "bye\r\n"

	.balign 8
gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF	/* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10: data */
gdt_end:
gdtr:
	.word gdt_end - gdt - 1
	.quad gdt
idtr:
	.word 256*16 - 1
	.quad idt

	.balign 8
event:
	.long EVENT_MAGIC
	.long EV_LOG
	.long event_end - event
	.long 0
	.ascii "test guest: boot path ok"
event_end:

	.data
mb_magic:	.long 0
mb_info:	.long 0

	.bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
idt:	.skip 4096
	.skip 16384
stack_top:
