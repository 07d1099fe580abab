/* jit [nx]: generate code at run time: into RWX memory from vm_alloc, and
 * into RW memory turned RX with vm_protect; call both. "nx" then calls
 * code in a RW (no-execute) page, which must kill the process. */
#include "kpp.h"

#define OP_MOV_EAX_IMM32 0xB8
#define OP_RET 0xC3

static void emit_return(uint8_t *p, uint32_t v)
{
	p[0] = OP_MOV_EAX_IMM32;
	memcpy(p + 1, &v, sizeof v);
	p[5] = OP_RET;
}

int main(int argc, char **argv)
{
	uint64_t rwx = 0;
	status_t st = vm_alloc(&rwx, PAGE_SIZE, KPP_PROT_READ | KPP_PROT_WRITE | KPP_PROT_EXEC, 0);
	printf("jit: vm_alloc RWX: status 0x%x %s\n", st, status_name(st));
	if (st)
		return 1;
	emit_return((uint8_t *)rwx, 0x1234);
	printf("jit: RWX code returned 0x%x\n", ((uint32_t(*)(void))rwx)());

	uint64_t rw = 0;
	st = vm_alloc(&rw, PAGE_SIZE, KPP_PROT_READ | KPP_PROT_WRITE, 0);
	printf("jit: vm_alloc RW: status 0x%x %s\n", st, status_name(st));
	if (st)
		return 1;
	emit_return((uint8_t *)rw, 0x5678);
	if (argc > 1 && !strcmp(argv[1], "nx")) {
		printf("jit: calling code in a no-execute page\n");
		((uint32_t(*)(void))rw)();
		printf("jit: still alive (NX not enforced)\n");
		return 1;
	}
	st = vm_protect(rw, PAGE_SIZE, KPP_PROT_READ | KPP_PROT_EXEC, 0);
	printf("jit: vm_protect RX: status 0x%x %s\n", st, status_name(st));
	printf("jit: RX code returned 0x%x\n", ((uint32_t(*)(void))rw)());
	st = vm_free(rwx, 0, 0);
	status_t st2 = vm_free(rw, 0, 0);
	printf("jit: vm_free: status 0x%x, 0x%x\n", st, st2);
	return 0;
}
