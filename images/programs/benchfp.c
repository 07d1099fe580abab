/* benchfp WORKLOAD [ROUNDS]: floating-point and vector work for `kppemu
 * bench`, the companion of bench.c (same checksum and timing lines, same
 * rules). Unlike the other programs it is compiled with SSE2 and x87 code
 * from the compiler (images.mk), as ordinary C is: scalar double
 * arithmetic in XMM registers, vectorised loops, long double on the x87.
 * Every result is exact IEEE arithmetic in a fixed order (no -ffast-math),
 * so the host recomputes it bit for bit (emu/bench).
 *
 *   fp   n-body (5 bodies, 1000 steps: SQRTSD, DIVSD, MULSD...) and a
 *        midpoint-rule integral of 4/(1+x^2) (CVTSI2SD, UCOMISD)
 *   vec  loops gcc vectorises at -O3 over 4096-element arrays: 32-bit
 *        integer add/shift/xor/max and a sum, float multiply-add, double
 *        products, byte arithmetic (packed SSE2)
 *   x87  a long double loop (FILD, FMUL, FADD, FDIV, FSQRT, FISTP) whose
 *        results are whole numbers below 2^64, exact at any precision
 */
#include "bench.h"

static uint64_t bits(double d)
{
	union {
		double d;
		uint64_t u;
	} v = {.d = d};
	return v.u;
}

#define sqrt(x) __builtin_sqrt(x)
#define sqrtl(x) __builtin_sqrtl(x)

/* --- fp --- */

struct body {
	double x, y, z, vx, vy, vz, m;
};

#define BODIES 5
#define STEPS 1000
#define INTERVALS 20000

static const struct body bodies0[BODIES] = {
	{0, 0, 0, 0, 0, 0, 39.5},
	{4.75, -1.25, -0.125, 0.625, 2.75, -0.0625, 0.0375},
	{8.25, 4.125, -0.375, -1.125, 1.875, 0.0078125, 0.01125},
	{12.5, -15.25, -0.25, 1.0625, 0.875, -0.015625, 0.00171875},
	{15.375, -25.875, 0.1875, 0.96875, 0.59375, -0.03125, 0.00203125},
};
static struct body bodies[BODIES];

static void fp_init(void) {}

static double energy(void)
{
	double e = 0;
	for (int i = 0; i < BODIES; i++) {
		struct body *a = &bodies[i];
		e += 0.5 * a->m * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
		for (int j = i + 1; j < BODIES; j++) {
			struct body *b = &bodies[j];
			double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
			e -= a->m * b->m / sqrt(dx * dx + dy * dy + dz * dz);
		}
	}
	return e;
}

static void fp_round(char *out, size_t n)
{
	for (int i = 0; i < BODIES; i++)
		bodies[i] = bodies0[i];
	const double dt = 0.01;
	double closest = 1e300;
	for (int s = 0; s < STEPS; s++) {
		for (int i = 0; i < BODIES; i++) {
			struct body *a = &bodies[i];
			for (int j = i + 1; j < BODIES; j++) {
				struct body *b = &bodies[j];
				double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
				double d2 = dx * dx + dy * dy + dz * dz;
				if (d2 < closest)
					closest = d2;
				double mag = dt / (d2 * sqrt(d2));
				double ma = a->m * mag, mb = b->m * mag;
				a->vx -= dx * mb;
				a->vy -= dy * mb;
				a->vz -= dz * mb;
				b->vx += dx * ma;
				b->vy += dy * ma;
				b->vz += dz * ma;
			}
		}
		for (int i = 0; i < BODIES; i++) {
			struct body *a = &bodies[i];
			a->x += dt * a->vx;
			a->y += dt * a->vy;
			a->z += dt * a->vz;
		}
	}
	double h = 1.0 / INTERVALS, pi = 0;
	long over = 0;
	for (int i = 0; i < INTERVALS; i++) {
		double x = (i + 0.5) * h;
		double f = 4.0 / (1.0 + x * x);
		pi += f;
		over += (long)(f * 1000.0) > 3000;
	}
	pi *= h;
	snprintf(out, n, "e %016lx pi %016lx d %016lx %ld", bits(energy()), bits(pi), bits(closest), over);
}

/* --- vec --- */

#define VN 4096
static int32_t va[VN], vb[VN], vc[VN];
static float fa[VN], fb[VN];
static double da[VN], db[VN];
static uint8_t ba[VN], bb[VN];
static uint32_t vin[VN];

static void vec_init(void)
{
	uint64_t x = SEED;
	for (int i = 0; i < VN; i++)
		vin[i] = (uint32_t)(xorshift(&x) >> 32);
}

__attribute__((optimize("O3"))) static void vec_round(char *out, size_t n)
{
	for (int i = 0; i < VN; i++) {
		vb[i] = (int32_t)vin[i];
		vc[i] = (int32_t)(vin[i] * 0x9E3779B1u);
		fb[i] = (float)(int32_t)(vin[i] & 0xFFFFF);
		db[i] = (double)(int32_t)(vin[i] >> 12);
		bb[i] = (uint8_t)vin[i];
	}
	for (int i = 0; i < VN; i++)
		va[i] = (int32_t)((uint32_t)vb[i] * 3u + (uint32_t)(vc[i] ^ (vb[i] >> 3)));
	for (int i = 0; i < VN; i++)
		va[i] = va[i] > vc[i] ? va[i] : vc[i];
	uint32_t sum = 0;
	for (int i = 0; i < VN; i++)
		sum += (uint32_t)va[i];
	for (int i = 0; i < VN; i++)
		fa[i] = fb[i] * 0.75f + (float)i;
	for (int i = 0; i < VN; i++)
		da[i] = db[i] * db[i] - 0.5 * db[i];
	for (int i = 0; i < VN; i++)
		ba[i] = (uint8_t)((bb[i] + 7) ^ (bb[i] >> 1));
	BARRIER();
	snprintf(out, n, "0x%08x 0x%016lx 0x%016lx 0x%016lx 0x%016lx", sum, fold((const uint64_t *)va, VN / 2),
		 fold((const uint64_t *)fa, VN / 2), fold((const uint64_t *)da, VN), fold((const uint64_t *)ba, VN / 8));
}

/* --- x87 --- */

#define X87_N 20000

static void x87_init(void) {}

static void x87_round(char *out, size_t n)
{
	long double squares = 0, roots = 0, eighths = 0;
	for (int i = 1; i <= X87_N; i++) {
		long double x = i;
		squares += x * x;
		roots += sqrtl(x * x);
		eighths += x / 8;
	}
	snprintf(out, n, "%lu %lu %lu", (uint64_t)squares, (uint64_t)roots, (uint64_t)(eighths * 8));
}

/* --- main --- */

static const struct workload workloads[] = {
	{"fp", fp_init, fp_round},
	{"vec", vec_init, vec_round},
	{"x87", x87_init, x87_round},
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, workloads, ARRAY_SIZE(workloads),
			  "usage: benchfp fp|vec|x87 [ROUNDS]");
}
