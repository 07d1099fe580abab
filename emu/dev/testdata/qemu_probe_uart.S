/*
 * Probe kernel: UART register sequences (interrupt identification, FIFO,
 * loopback, overrun) and CMOS register C, printed on QEMU's debug console
 * (port 0xE9) so that the UART under test is not disturbed. Golden data
 * of qemu_golden_test.go. Reproduce with:
 *
 *   gcc -m32 -c -o p.o qemu_probe_uart.S && ld -m elf_i386 -Ttext=0x100000 -o p.elf p.o
 *   qemu-system-x86_64 -accel tcg -cpu max -m 128 -display none -no-reboot \
 *     -serial null -monitor none -nic none -debugcon file:out.txt \
 *     -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel p.elf
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
	PUT(s_uart)
#define UR(o) mov $(0x3F8+o), %dx; in %dx, %al; movzbl %al,%eax; HEX();
#define UW(o,v) mov $(0x3F8+o), %dx; mov $v, %al; out %al, %dx;
	UR(1) UR(2) UR(3) UR(4) UR(5) UR(6) UR(7) UW(3,0x80) UR(0) UR(1) UW(3,0x03) UR(3)
	PUT(s_nl)
	UW(1,0x02) UR(2) UR(2) UW(1,0x00) UW(1,0x02) UR(2) UW(1,0x02) UR(2) UW(0,0x41) UR(2)
	PUT(s_nl)
	UW(1,0x00) UW(2,0x07) UR(2) UR(5) UW(2,0xC7) UR(2) UW(2,0x00) UR(2)
	PUT(s_nl)
	UR(0) UW(4,0x1B) UW(0,0x41) UR(5) UR(0) UR(0) UR(5) UR(6) UR(6) UW(4,0x0B) UR(6) UR(6)
	PUT(s_nl)
	UW(2,0x01) UW(4,0x10) UW(1,0x01) UW(0,0x61) UW(0,0x62) UR(2) UR(5)
	mov $0x200000, %ecx
7:	loop 7b
	UR(2) UR(0) UR(2) UR(0) UR(2) UR(0) UR(5)
	PUT(s_nl)
	UW(2,0x07) UW(4,0x10) UW(1,0x01) UW(0,0x41) UW(0,0x42) UW(0,0x43) UW(0,0x44) UW(0,0x45) UW(0,0x46) UW(0,0x47) UW(0,0x48) UW(0,0x49) UW(0,0x4a) UW(0,0x4b) UW(0,0x4c) UW(0,0x4d) UW(0,0x4e) UW(0,0x4f) UW(0,0x50) UW(0,0x51) UW(0,0x52) UR(5) UR(2) UR(5) UR(2)
	PUT(s_nl)
	PUT(s_nl)
	PUT(s_cmos)
#define CM(i) mov $i, %al; out %al, $0x70; in $0x71, %al; movzbl %al,%eax; HEX();
	CM(0x0C)
	/* wait for two second changes */
	mov $0, %al; out %al, $0x70; in $0x71, %al; mov %al, %bl
5:	in $0x71, %al; cmp %al, %bl; je 5b
	mov %al, %bl
6:	in $0x71, %al; cmp %al, %bl; je 6b
	CM(0x0C) CM(0x0C)
	PUT(s_nl)
	mov $0, %eax; out %eax, $0xF4
1:	hlt; jmp 1b

puts:	lodsb; test %al,%al; jz 2f; call putc; jmp puts
2:	ret
putc:	out %al, $0xE9; ret
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
