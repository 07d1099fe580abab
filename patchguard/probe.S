/* uint32_t pg_probe_exec(uint8_t *alias, uint64_t va, uint32_t imm)
 * The instruction-fetch probe of a kernel text page (nmi.c): alias is the
 * direct-map address of the byte at va, a `ret` in the kernel's text.
 * Writes `mov eax, imm; ret` there through the alias, calls va with eax =
 * ~imm, puts the eight bytes back and returns eax: imm when the fetch
 * reads the page's own frame, anything else when the processor executes
 * another frame at va (a TLB split). Runs with NMIs blocked (inside the
 * NMI handler) and interrupts masked, so nothing else executes the bytes
 * while they are changed; pg_probe_start..pg_probe_end is never probed. */
	.text
	.global pg_probe_exec, pg_probe_start, pg_probe_end
	.type pg_probe_exec, @function
pg_probe_start:
pg_probe_exec:
	pushq %rbx
	movq (%rdi), %rbx		/* the eight bytes at va */
	movq %rbx, %rax
	movabsq $0xFFFF000000000000, %rcx
	andq %rcx, %rax			/* keep bytes 6 and 7 */
	movabsq $0x0000C30000000000, %rcx
	orq %rcx, %rax			/* byte 5: ret */
	movl %edx, %ecx
	shlq $8, %rcx
	orq %rcx, %rax			/* bytes 1-4: imm */
	orq $0xB8, %rax			/* byte 0: mov eax, imm32 */
	movq %rax, (%rdi)
	movl %edx, %eax
	notl %eax
	callq *%rsi
	movq %rbx, (%rdi)		/* put back */
	popq %rbx
	ret
pg_probe_end:
	.size pg_probe_exec, . - pg_probe_exec
