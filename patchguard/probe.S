/* uint32_t pg_probe_exec(uint8_t *alias, uint64_t va, uint32_t imm)
 * The instruction-fetch probe of a kernel text page (nmi.c): alias is the
 * direct-map address of the byte at va, a `ret` in the kernel's text
 * followed by at least five bytes of padding. Writes `mov eax, imm; ret`
 * (six bytes, no more: the code after the padding is left alone) there
 * through the alias, calls va with eax = ~imm, puts the six bytes back and
 * returns eax: imm when the fetch reads the page's own frame, anything else
 * when the processor executes another frame at va (a TLB split; there the
 * `ret` returns at once). Runs with NMIs blocked (inside the NMI handler)
 * and interrupts masked, so nothing else executes the bytes while they are
 * changed; pg_probe_start..pg_probe_end is never probed. */
	.text
	.global pg_probe_exec, pg_probe_start, pg_probe_end
	.type pg_probe_exec, @function
pg_probe_start:
pg_probe_exec:
	movl (%rdi), %r8d		/* the six bytes at va */
	movzwl 4(%rdi), %r9d
	movb $0xB8, (%rdi)		/* mov eax, imm32 */
	movl %edx, 1(%rdi)
	movb $0xC3, 5(%rdi)		/* ret */
	movl %edx, %eax
	notl %eax
	pushq %r8
	pushq %r9
	pushq %rdi
	callq *%rsi
	popq %rdi
	popq %r9
	popq %r8
	movl %r8d, (%rdi)		/* put back */
	movw %r9w, 4(%rdi)
	ret
pg_probe_end:
	.size pg_probe_exec, . - pg_probe_exec
