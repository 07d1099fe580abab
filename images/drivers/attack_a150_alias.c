/* attack_a150_alias (A150): driver code run from pool through an alias.
 * The driver's code is moved to pool memory and run through an executable
 * mapping of its own where no check of hidden code walked, after the
 * driver was unloaded the ordinary way.
 *
 * The kernel does not export thread creation; as for attack_a73 the
 * scenario writes the built image's addresses of thread_create,
 * thread_sleep_ns and printk into the driver, which adds the kernel's
 * random base (the distance from printk's address in the image to the one
 * it links against). From a timer of its own it then copies a loop of
 * position-independent code (sleep 10 ms, count, print every 20th round,
 * every call through a pointer in its own block) into a page of pool (the
 * direct map: its frame is the address less the direct map's base, mapped
 * no-execute there) and makes that frame executable elsewhere, in
 * page-table pages no region covers:
 *  - by default (`gib`), a 1 GiB page (PS in a PDPT entry: present,
 *    writable, executable) of RAM from physical 0, in the last entry of the
 *    direct map's PDPT (the direct map's entries cover RAM only, the
 *    rest of that page is free, and every address space shares it);
 *  - with `pd`, a 2 MiB page of RAM in the kernel image's own page
 *    directory, in a free entry below the stack area (next to the image);
 *  - with `user PID` (A151), a 4 KiB supervisor page (no user bit) in
 *    the user half of that process's address space (tables of its own
 *    under a free PML4 entry of the process), and the thread is a kernel
 *    thread of that process, whose switch loads that address space;
 * then starts a kernel thread of the system process (with `user`, of that
 * process) on the copy there and cancels its timer. The scenario then types `unload attack_a150_alias`:
 * the loader takes the driver's text rights, unlists it and frees its
 * pages, as for any driver. What runs on is a kernel thread whose every
 * return address is kernel text or the alias, outside the driver area
 * that the stack scan and the walk of executable pages looked at (A73,
 * A117); no timer, DPC, callback or module record of the driver is left.
 * Expected: 0x109 type 0x19 (loaded module list): an executable page of
 * the kernel half that is neither kernel text nor a listed module's, or a
 * supervisor entry in a process's user half. */
#include "attack_pg.h"
#include "attack_proc.h"

struct process;

typedef struct thread *(*thread_create_fn)(struct process *p, const char *name, void (*fn)(void *), void *arg);

/* Set by the scenario from the built image's symbols. */
volatile uint64_t printk_at, thread_sleep_at, thread_create_at;

static struct ktimer wait_timer;
static struct dpc wait_dpc;
static const char *mode = "gib";
static struct process *target; /* `user`: the process whose user half holds the code */
#define USER_VA 0x7F0000000000ull /* PML4 entry 254 of the process */

/* The hidden loop, position independent: rdi is the block below. */
struct hidden_block {
	uint64_t ns;       /* 0: how long each sleep is */
	uint64_t sleep;    /* 8: thread_sleep_ns */
	uint64_t rounds;   /* 16 */
	uint64_t printk;   /* 24 */
	char fmt[64];      /* 32 */
};

extern const char a150_loop_start[], a150_loop_end[];
__asm__(".pushsection .text\n"
	".globl a150_loop_start, a150_loop_end\n"
	"a150_loop_start:\n"
	"	push %rbx\n"
	"	mov %rdi, %rbx\n"
	"1:	mov 0(%rbx), %rdi\n"
	"	call *8(%rbx)\n"
	"	incq 16(%rbx)\n"
	"	mov 16(%rbx), %rax\n"
	"	xor %edx, %edx\n"
	"	mov $20, %ecx\n"
	"	div %rcx\n"
	"	test %rdx, %rdx\n"
	"	jnz 1b\n"
	"	lea 32(%rbx), %rdi\n"
	"	mov 16(%rbx), %rsi\n"
	"	xor %eax, %eax\n"
	"	call *24(%rbx)\n"
	"	jmp 1b\n"
	"a150_loop_end:\n"
	".popsection\n");

/* The direct map's PDPT (under the first kernel-half PML4 entry): its
 * entries past RAM are free. */
static uint64_t *direct_map_pdpt(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	const uint64_t *pml4 = (const uint64_t *)(KPP_DIRECT_MAP_BASE + (cr3 & A_PTE_ADDR));
	uint64_t e = pml4[(KPP_DIRECT_MAP_BASE >> 39) & 511];
	return (e & A_PTE_P) ? (uint64_t *)(KPP_DIRECT_MAP_BASE + (e & A_PTE_ADDR)) : NULL;
}

/* The executable address of the pool page at pa, or 0. */
static uint64_t alias(uint64_t pa)
{
	if (!strcmp(mode, "user")) {
		uint8_t *raw = pool_alloc(4 * A_PAGE, POOL_TAG('I', 'r', 'p', ' '));
		if (!raw || !target || !target->cr3)
			return 0;
		uint64_t *tab = (uint64_t *)(((uint64_t)raw + A_PAGE - 1) & ~(A_PAGE - 1)); /* PDPT, PD, PT */
		memset(tab, 0, 3 * A_PAGE);
		uint64_t *pml4 = (uint64_t *)(KPP_DIRECT_MAP_BASE + (target->cr3 & A_PTE_ADDR));
		if (pml4[(USER_VA >> 39) & 511] & A_PTE_P)
			return 0;
		uint64_t t0 = (uint64_t)tab - KPP_DIRECT_MAP_BASE;
		tab[512 + 0] = (t0 + 2 * A_PAGE) | A_PTE_P | A_PTE_W; /* PD[0] -> PT */
		tab[0] = (t0 + A_PAGE) | A_PTE_P | A_PTE_W;           /* PDPT[0] -> PD */
		tab[1024 + 0] = (pa & A_PTE_ADDR) | A_PTE_P;          /* PT[0]: the code, supervisor, executable */
		pml4[(USER_VA >> 39) & 511] = t0 | A_PTE_P | A_PTE_W;
		return USER_VA;
	}
	if (!strcmp(mode, "pd")) {
		uint64_t *img = a_pte_of(a_kernel_base(), 1);
		if (!img)
			return 0;
		uint64_t *pd = (uint64_t *)((uint64_t)img & ~(A_PAGE - 1));
		/* The image's directory covers 0xFFFFFFFF80000000 up; the stack
		 * area starts at its entry 128. The last free entry before it. */
		for (int i = 127; i > 0; i--)
			if (!(pd[i] & A_PTE_P)) {
				pd[i] = (pa & ~((2ull << 20) - 1)) | A_PTE_P | A_PTE_W | (1ull << 7);
				uint64_t va = 0xFFFFFFFF80000000ull + ((uint64_t)i << 21);
				a_invlpg(va);
				return va + (pa & ((2ull << 20) - 1));
			}
		return 0;
	}
	uint64_t *pdpt = direct_map_pdpt();
	if (!pdpt || pa >= (1ull << 30) || (pdpt[511] & A_PTE_P))
		return 0;
	pdpt[511] = A_PTE_P | A_PTE_W | (1ull << 7); /* physical 0, 1 GiB */
	uint64_t va = KPP_DIRECT_MAP_BASE + (511ull << 30);
	a_invlpg(va + pa);
	return va + pa;
}

static void attack(struct dpc *d, void *ctx)
{
	if (!thread_create_at || !thread_sleep_at || !printk_at)
		return;
	uint64_t slide = (uint64_t)&printk - printk_at;
	thread_create_fn create = (thread_create_fn)(thread_create_at + slide);
	uint64_t sleep = thread_sleep_at + slide;
	thread_create_at = 0;
	timer_cancel(&wait_timer);
	if (!a_in_kernel_text((uint64_t)create) || !a_in_kernel_text(sleep)) {
		printk("attack_a150: thread_create or thread_sleep_ns not in kernel text\n");
		return;
	}
	/* A page of pool for the code, and the block. */
	uint8_t *raw = pool_alloc(3 * A_PAGE, POOL_TAG('I', 'r', 'p', ' '));
	struct hidden_block *blk = pool_alloc(sizeof *blk, POOL_TAG('I', 'r', 'p', ' '));
	if (!raw || !blk) {
		printk("attack_a150: no pool\n");
		return;
	}
	uint8_t *code = (uint8_t *)(((uint64_t)raw + A_PAGE - 1) & ~(A_PAGE - 1));
	memcpy(code, a150_loop_start, (size_t)(a150_loop_end - a150_loop_start));
	blk->ns = 10000000ull;
	blk->sleep = sleep;
	blk->rounds = 0;
	blk->printk = (uint64_t)&printk;
	strlcpy(blk->fmt, "~ attack_a150: hidden code, round %lu\n", sizeof blk->fmt);

	uint64_t pf = a_cli(); /* no pass between the patch and its report */
	uint64_t x = alias((uint64_t)code - KPP_DIRECT_MAP_BASE);
	if (!x) {
		a_restore(pf);
		printk("attack_a150: no room for the mapping\n");
		return;
	}
	if (!create(target, "kworker", (void (*)(void *))x, blk)) {
		a_restore(pf);
		printk("attack_a150: thread_create failed\n");
		return;
	}
	printk("attack_a150: a kernel thread runs the driver's code from pool through %s\n",
	       !strcmp(mode, "pd")     ? "a 2 MiB page in the image's directory"
	       : !strcmp(mode, "user") ? "a supervisor page in a process's user half"
				       : "a 1 GiB page beside the direct map");
	a_patched("attack_a150");
	/* For the scenario: the unload comes at once (a log event). */
	event_post(KPP_EV_LOG, NULL, 0, "attack_a150: hidden thread started");
	a_restore(pf);
}

static void unload(struct driver_object *drv) { timer_cancel(&wait_timer); }

/* Arguments: [pd | user PID] [PRINTK SLEEP CREATE]: the mode, and the
 * three addresses from the built image when no host writes them (the
 * QEMU test passes them this way). */
status_t driver_entry(struct driver_object *drv)
{
	char args[MODULE_ARGS_MAX];
	strlcpy(args, drv->args ? drv->args : "", sizeof args);
	uint64_t addr[3] = {0, 0, 0};
	int naddr = 0;
	char *p = args;
	while (*p) {
		while (*p == ' ')
			p++;
		char *w = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		if (!*w)
			break;
		if (!strcmp(w, "pd")) {
			mode = "pd";
		} else if (!strcmp(w, "user")) {
			mode = "user";
		} else {
			uint64_t v;
			if (!parse_u64(w, &v))
				return KPP_STATUS_INVALID_PARAMETER;
			if (!strcmp(mode, "user") && !target) {
				struct list_link *start = &gs_current_thread()->process->link, *l = start;
				int n = 0;
				do {
					if (is_process(l) && PROCESS_OF(l)->pid == v)
						target = PROCESS_OF(l);
					l = l->next;
				} while (l != start && !target && ++n < 4096);
				if (!target) {
					printk("attack_a150: process %lu not found\n", v);
					return KPP_STATUS_UNSUCCESSFUL;
				}
			} else if (naddr < 3) {
				addr[naddr++] = v;
			}
		}
	}
	if (naddr == 3) {
		printk_at = addr[0];
		thread_sleep_at = addr[1];
		thread_create_at = addr[2];
	}
	drv->unload = unload;
	dpc_init(&wait_dpc, attack, NULL);
	timer_init(&wait_timer, &wait_dpc);
	timer_set(&wait_timer, 1000000ull, 1000000ull);
	if (naddr != 3)
		printk("attack_a150: waiting for the addresses of thread_create and thread_sleep_ns\n");
	return KPP_STATUS_SUCCESS;
}
