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

	.set EVENT_PORT, 0x0EA0
	.set EVENT_MAGIC, 0x4550504B
	.set EV_LOG, 15

	.include "probe64.inc"

	.text
	.code64
main:
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
	jz bye
	cmpl $0x6F686365, %eax		/* "echo" */
	je echo_mode
	incq %rsi
	jmp 7b

echo_mode:
	/* IDT: the UART's IRQ 4 and the master 8259's spurious IRQ 7. */
	leaq idt(%rip), %rdi
	leaq irq_uart(%rip), %rax
	movl $0x24, %ecx
	call set_gate
	leaq irq_spurious(%rip), %rax
	movl $0x27, %ecx
	call set_gate

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
3:	jmp bye

irq_spurious:
	iretq

	.section .rodata
msg_hello:	.asciz "kppemu test guest: long mode\r\n"
msg_magic:	.asciz "magic "
msg_flags:	.asciz "flags "
msg_mem:	.asciz "mem "
msg_cmdline:	.asciz "cmdline ["
msg_mmap:	.asciz "mmap "
msg_mods:	.asciz "mods "
msg_mod:	.asciz "mod ["
msg_echo:	.asciz "echo: type, q quits\r\n"

	.balign 8
event:
	.long EVENT_MAGIC
	.long EV_LOG
	.long event_end - event
	.long 0
	.ascii "test guest: boot path ok"
event_end:
