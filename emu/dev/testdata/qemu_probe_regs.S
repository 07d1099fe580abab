/*
 * Probe kernel: prints the device registers that QEMU (after SeaBIOS)
 * hands to a -kernel image, on COM1. The values are the golden data of
 * qemu_golden_test.go and of the SeaBIOS* constants. Reproduce with:
 *
 *   gcc -m32 -c -o p.o qemu_probe_regs.S && ld -m elf_i386 -Ttext=0x100000 -o p.elf p.o
 *   qemu-system-x86_64 -accel tcg -cpu max -m 128 -display none -no-reboot \
 *     -serial stdio -monitor none -nic none \
 *     -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel p.elf
 *
 * (The UART divisor reads in this probe are unreliable: printing with
 * DLAB set writes the divisor; qemu_probe_uart.S prints on port 0xE9.)
 */
	.code32
	.section .text
	.align 4
mbh:
	.long 0x1BADB002
	.long 0
	.long -(0x1BADB002)
	.globl _start
_start:
	mov $0x90000, %esp
	/* label, value pairs */
#define PUT(lbl) mov $lbl, %esi; call puts
#define HEX() call puthex
	PUT(s_pic)
	in $0x21, %al; movzbl %al, %eax; HEX()
	in $0xA1, %al; movzbl %al, %eax; HEX()
	mov $0x0A, %al; out %al, $0x20; in $0x20, %al; movzbl %al,%eax; HEX()
	mov $0x0B, %al; out %al, $0x20; in $0x20, %al; movzbl %al,%eax; HEX()
	mov $0x0B, %al; out %al, $0xA0; in $0xA0, %al; movzbl %al,%eax; HEX()
	mov $0x4d0, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x4d1, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	PUT(s_nl)

	PUT(s_apic)
	mov $0x1B, %ecx; rdmsr; HEX()
	mov $0xFEE00020, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00030, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00080, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE000D0, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE000E0, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE000F0, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00320, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00330, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00340, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00350, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00360, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00370, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE003E0, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00300, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00280, %ebx; mov (%ebx), %eax; HEX()
	PUT(s_nl)

	PUT(s_apic2)
	/* LVT timer write while software-disabled: is the mask forced? */
	mov $0xFEE000F0, %ebx; movl $0x0FF, (%ebx)
	mov $0xFEE00320, %ebx; movl $0x30, (%ebx); mov (%ebx), %eax; HEX()
	/* enable, write 0x31 */
	mov $0xFEE000F0, %ebx; movl $0x1FF, (%ebx)
	mov $0xFEE00320, %ebx; movl $0x10031, (%ebx); mov (%ebx), %eax; HEX()
	/* disable: does the LVT read masked now? */
	mov $0xFEE000F0, %ebx; movl $0x0FF, (%ebx)
	mov $0xFEE00320, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00350, %ebx; mov (%ebx), %eax; HEX()
	/* ESR after write of illegal vector self IPI (enabled) */
	mov $0xFEE000F0, %ebx; movl $0x1FF, (%ebx)
	mov $0xFEE00300, %ebx; movl $0x40005, (%ebx)
	mov $0xFEE00280, %ebx; movl $0, (%ebx); mov (%ebx), %eax; HEX()
	/* reserved register read then ESR */
	mov $0xFEE00040, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00280, %ebx; movl $0, (%ebx); mov (%ebx), %eax; HEX()
	/* DFR write */
	mov $0xFEE000E0, %ebx; movl $0, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE000D0, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	/* LVT LINT0 write all ones */
	mov $0xFEE00350, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE00320, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE00370, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE003E0, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE00310, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE000F0, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE00080, %ebx; movl $0xFFFFFFFF, (%ebx); mov (%ebx), %eax; HEX()
	mov $0xFEE000A0, %ebx; mov (%ebx), %eax; HEX()
	mov $0xFEE00090, %ebx; mov (%ebx), %eax; HEX()
	PUT(s_nl)

	PUT(s_uart)
	mov $0x3F9, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FA, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FB, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FC, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FD, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FE, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FF, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FB, %dx; in %dx, %al; mov %al, %bl; or $0x80, %al; out %al, %dx
	mov $0x3F8, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3F9, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x3FB, %dx; mov %bl, %al; out %al, %dx
	PUT(s_nl)

	PUT(s_cmos)
#define CM(i) mov $i, %al; out %al, $0x70; in $0x71, %al; movzbl %al,%eax; HEX();
	CM(0x0A) CM(0x0B) CM(0x0C) CM(0x0D) CM(0x0F) CM(0x10) CM(0x14)
	CM(0x15) CM(0x16) CM(0x17) CM(0x18) CM(0x30) CM(0x31) CM(0x34) CM(0x35)
	CM(0x5B) CM(0x5C) CM(0x5D) CM(0x5F) CM(0x32) CM(0x2E) CM(0x2F) CM(0x3D) CM(0x38)
	in $0x70, %al; movzbl %al,%eax; HEX()
	PUT(s_nl)

	PUT(s_pit)
	mov $0xE2, %al; out %al, $0x43; in $0x40, %al; movzbl %al,%eax; HEX()
	mov $0xE4, %al; out %al, $0x43; in $0x41, %al; movzbl %al,%eax; HEX()
	mov $0xE8, %al; out %al, $0x43; in $0x42, %al; movzbl %al,%eax; HEX()
	in $0x61, %al; movzbl %al,%eax; HEX()
	in $0x43, %al; movzbl %al,%eax; HEX()
	PUT(s_nl)

	PUT(s_fw)
	mov $0x510, %dx; mov $0, %ax; out %ax, %dx
	mov $0x511, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x510, %dx; mov $1, %ax; out %ax, %dx
	mov $0x511, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x510, %dx; mov $5, %ax; out %ax, %dx
	mov $0x511, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0x510, %dx; mov $0x19, %ax; out %ax, %dx
	mov $0x511, %dx; in %dx, %eax; HEX()
	mov $0x510, %dx; in %dx, %al; movzbl %al,%eax; HEX()
	mov $0xCF8, %dx; mov $0x80000000, %eax; out %eax, %dx; mov $0xCFC, %dx; in %dx, %eax; HEX()
	mov $0xCF8, %dx; mov $0x80000800, %eax; out %eax, %dx; mov $0xCFC, %dx; in %dx, %eax; HEX()
	mov $0xCF8, %dx; in %dx, %eax; HEX()
	PUT(s_nl)

	mov $0, %eax; out %eax, $0xF4
1:	hlt; jmp 1b

puts:	lodsb; test %al,%al; jz 2f; call putc; jmp puts
2:	ret
putc:	push %edx; push %eax
	mov $0x3FD, %dx
3:	in %dx, %al; test $0x20, %al; jz 3b
	pop %eax; mov $0x3F8, %dx; out %al, %dx; pop %edx; ret
puthex:	push %ecx; push %eax; push %ebx; mov %eax, %ebx; mov $8, %ecx
4:	rol $4, %ebx; mov %ebx, %eax; and $0xF, %eax; movb hexd(%eax), %al; call putc; loop 4b
	mov $' ', %al; call putc; pop %ebx; pop %eax; pop %ecx; ret

	.section .rodata
hexd:	.ascii "0123456789abcdef"
s_pic:	.asciz "pic "
s_apic:	.asciz "apic "
s_apic2: .asciz "apic2 "
s_uart:	.asciz "uart "
s_cmos:	.asciz "cmos "
s_pit:	.asciz "pit "
s_fw:	.asciz "fw "
s_nl:	.asciz "\n"
