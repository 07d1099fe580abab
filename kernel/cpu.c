/* CPUID probing: the kernel uses a feature only when the CPU advertises it. */
#include <kpp/cpu.h>
#include <kpp/string.h>

struct cpu_features cpu_features;

#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_EDX_MTRR (1u << 12)
#define CPUID1_EDX_PGE (1u << 13)
#define CPUID1_EDX_PAT (1u << 16)
#define CPUID1_EDX_FXSR (1u << 24)
#define CPUID1_EDX_SSE (1u << 25)
#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)
#define CPUIDX1_EDX_NX (1u << 20)

void cpu_probe(void)
{
	uint32_t a, b, c, d, max, maxx;
	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(cpu_features.vendor + 0, &b, 4);
	memcpy(cpu_features.vendor + 4, &d, 4);
	memcpy(cpu_features.vendor + 8, &c, 4);
	cpu_features.vendor[12] = 0;
	if (max >= 1) {
		cpuid(1, 0, &a, &b, &c, &d);
		cpu_features.apic = d & CPUID1_EDX_APIC;
		cpu_features.pge = d & CPUID1_EDX_PGE;
		cpu_features.pat = d & CPUID1_EDX_PAT;
		cpu_features.mtrr = d & CPUID1_EDX_MTRR;
		cpu_features.rdrand = c & CPUID1_ECX_RDRAND;
		cpu_features.fxsr = (d & CPUID1_EDX_FXSR) && (d & CPUID1_EDX_SSE);
	}
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_features.smep = b & CPUID7_EBX_SMEP;
		cpu_features.smap = b & CPUID7_EBX_SMAP;
		cpu_features.umip = c & CPUID7_ECX_UMIP;
	}
	cpuid(0x80000000, 0, &maxx, &b, &c, &d);
	if (maxx >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_features.nx = d & CPUIDX1_EDX_NX;
	}
}

#define RDRAND_RETRIES 10

uint64_t random_u64(void)
{
	if (cpu_features.rdrand) {
		for (int i = 0; i < RDRAND_RETRIES; i++) {
			uint64_t v;
			uint8_t ok;
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	/* splitmix64 over the TSC. */
	uint64_t z = rdtsc() + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
