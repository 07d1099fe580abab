/* Interrupt controllers and the tick source.
 *
 * The 8259 pair is remapped to KPP_PIC_MASTER_BASE/KPP_PIC_SLAVE_BASE with
 * every line masked except those with a handler (the UART's IRQ 4). Its
 * output reaches the CPU through the local APIC's LINT0 in ExtINT mode
 * (virtual wire). The local APIC timer gives the tick: calibrated once
 * against PIT channel 2 (gated through port 0x61), then periodic at
 * KPP_TICK_HZ. Without an APIC the PIT's channel 0 on IRQ 0 ticks instead. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/intr.h>
#include <kpp/mm.h>
#include <kpp/printk.h>
#include <kpp/time.h>
#include <kpp/trap.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_ICW1_INIT_ICW4 0x11
#define PIC_ICW4_8086 0x01
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0B
#define PIC_CASCADE_IRQ 2

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_PORT_B 0x61
#define PIT_B_GATE2 0x01
#define PIT_B_SPEAKER 0x02
#define PIT_B_OUT2 0x20
#define PIT_HZ 1193182u
#define PIT_CMD_CH2_MODE0 0xB0 /* channel 2, lobyte/hibyte, mode 0 */
#define PIT_CMD_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, mode 2 */
#define PIT_CMD_CH0_MODE0 0x30 /* channel 0, lobyte/hibyte, mode 0 */
#define CALIBRATE_MS 10
#define NOMINAL_COUNTS_PER_TICK (1000000000u / 16 / KPP_TICK_HZ) /* 1 GHz bus, divide by 16 */
/* The timer bases a machine may have: 1 MHz to 10 GHz (QEMU and kppemu: 1 GHz;
 * real processors: their bus or crystal clock, 25-200 MHz; Bochs: its
 * instruction rate). */
#define MIN_COUNTS_PER_TICK (1000000u / 16 / KPP_TICK_HZ)
#define MAX_COUNTS_PER_TICK (10000000000ull / 16 / KPP_TICK_HZ)
#define NOMINAL_PER_CALIBRATION (1000000000u / 16 / (1000 / CALIBRATE_MS))

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ESR 0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LAPIC_SVR_ENABLE 0x100
#define LVT_MASKED 0x10000
#define LVT_EXTINT 0x700
#define LVT_NMI 0x400
#define LVT_PERIODIC 0x20000
#define TIMER_DIV_16 0x3
#define APIC_BASE_ENABLE (1ull << 11)

bool lapic_present;
static uint32_t timer_counts_per_tick;
static volatile uint32_t *lapic;
static uint8_t pic_mask1 = 0xFF, pic_mask2 = 0xFF;

void pic_init(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC1_DATA, KPP_PIC_MASTER_BASE);
	outb(PIC2_DATA, KPP_PIC_SLAVE_BASE);
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, pic_mask1);
	outb(PIC2_DATA, pic_mask2);
}

void pic_unmask(int irq)
{
	if (irq >= 8) {
		pic_mask2 &= ~(1 << (irq - 8));
		pic_mask1 &= ~(1 << PIC_CASCADE_IRQ);
		outb(PIC2_DATA, pic_mask2);
	} else {
		pic_mask1 &= ~(1 << irq);
	}
	outb(PIC1_DATA, pic_mask1);
}

void pic_mask(int irq)
{
	if (irq >= 8) {
		pic_mask2 |= 1 << (irq - 8);
		outb(PIC2_DATA, pic_mask2);
	} else {
		pic_mask1 |= 1 << irq;
		outb(PIC1_DATA, pic_mask1);
	}
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

bool pic_spurious(int irq)
{
	if (irq == 7) {
		outb(PIC1_CMD, PIC_READ_ISR);
		return !(inb(PIC1_CMD) & 0x80);
	}
	if (irq == 15) {
		outb(PIC2_CMD, PIC_READ_ISR);
		if (!(inb(PIC2_CMD) & 0x80)) {
			outb(PIC1_CMD, PIC_EOI);
			return true;
		}
	}
	return false;
}

uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
volatile uint32_t *lapic_regs(void) { return lapic; }
static void lapic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

void lapic_eoi(void)
{
	if (lapic)
		lapic_write(LAPIC_EOI, 0);
}

static void lapic_error(void)
{
	lapic_write(LAPIC_ESR, 0);
	printk("~ apic: error 0x%x\n", lapic_read(LAPIC_ESR));
}

void lapic_init(void)
{
	if (!cpu_features.apic)
		return;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)vm_map_mmio(base & ~0xFFFull & 0xFFFFFFFFFull, PAGE_SIZE);
	if (!lapic)
		return;
	lapic_present = true;
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | KPP_VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | KPP_VEC_APIC_TIMER);
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, KPP_VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	vector_register(KPP_VEC_APIC_ERROR, lapic_error);
}

/* Count local-APIC timer ticks (divide by 16) over CALIBRATE_MS of PIT time. */
static uint32_t calibrate(void)
{
	uint32_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
	outb(PIT_PORT_B, (inb(PIT_PORT_B) & ~PIT_B_SPEAKER) | PIT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, latch & 0xFF);
	outb(PIT_CH2, latch >> 8);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	while (!(inb(PIT_PORT_B) & PIT_B_OUT2))
		cpu_relax();
	uint32_t elapsed = 0xFFFFFFFFu - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	outb(PIT_PORT_B, inb(PIT_PORT_B) & ~PIT_B_GATE2);
	return elapsed;
}

static void pit_tick(void) { time_tick(); }
static void apic_tick(void) { time_tick(); }

void lapic_timer_start(void)
{
	if (!lapic_present) {
		uint32_t div = PIT_HZ / KPP_TICK_HZ;
		outb(PIT_CMD, PIT_CMD_CH0_MODE2);
		outb(PIT_CH0, div & 0xFF);
		outb(PIT_CH0, div >> 8);
		irq_register(0, pit_tick);
		printk("~ time: PIT tick at %u Hz\n", KPP_TICK_HZ);
		return;
	}
	uint32_t per_10ms = calibrate();
	/* A host that stalls during the measurement (QEMU on a loaded machine)
	 * makes it too long, never too short: a result far from the usual 1 GHz
	 * base (more than 10 times off) is measured again and the shorter of
	 * the two kept, so a machine whose timer really runs at another rate
	 * gets its own tick and a stall does not slow the tick down. */
	if (per_10ms < NOMINAL_PER_CALIBRATION / 10 || per_10ms > NOMINAL_PER_CALIBRATION * 10) {
		uint32_t again = calibrate();
		if (again < per_10ms)
			per_10ms = again;
	}
	/* Keep three significant decimal digits, so the small, fixed overhead
	 * of the measurement and the jitter of a particular run do not show:
	 * a 1 GHz timer base gives exactly 625000 counts per 10 ms tick. */
	uint32_t per_tick = (uint32_t)((uint64_t)per_10ms * (1000 / KPP_TICK_HZ) / CALIBRATE_MS);
	uint32_t grain = 1;
	while (per_tick / grain >= 1000)
		grain *= 10;
	per_tick = (per_tick + grain / 2) / grain * grain;
	if (per_tick < MIN_COUNTS_PER_TICK || per_tick > MAX_COUNTS_PER_TICK)
		per_tick = NOMINAL_COUNTS_PER_TICK;
	vector_register(KPP_VEC_APIC_TIMER, apic_tick);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | KPP_VEC_APIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, per_tick);
	timer_counts_per_tick = per_tick;
	printk("~ time: local APIC timer %u counts per %u ms tick (%u per 10 ms)\n", per_tick,
	       1000 / KPP_TICK_HZ, per_10ms);
}

/* PIT channel 0 as a second interrupt source while the local APIC timer
 * ticks: periodic (mode 2) at hz on IRQ 0 with fn as its handler; hz 0
 * masks IRQ 0 again and leaves the channel in one-shot mode 0, so that it
 * stops interrupting once its last count ends. */
bool pit_periodic(uint32_t hz, void (*fn)(void))
{
	if (!lapic_present || hz > PIT_HZ)
		return false;
	if (!hz) {
		pic_mask(0);
		outb(PIT_CMD, PIT_CMD_CH0_MODE0);
		outb(PIT_CH0, 0xFF);
		outb(PIT_CH0, 0xFF);
		return true;
	}
	uint32_t div = PIT_HZ / hz;
	outb(PIT_CMD, PIT_CMD_CH0_MODE2);
	outb(PIT_CH0, div & 0xFF);
	outb(PIT_CH0, div >> 8);
	irq_register(0, fn);
	return true;
}

uint32_t lapic_timer_initial_count(void) { return timer_counts_per_tick; }

uint64_t lapic_tick_progress_ns(void)
{
	if (!timer_counts_per_tick)
		return 0;
	uint32_t cur = lapic_read(LAPIC_TIMER_CUR);
	if (cur > timer_counts_per_tick)
		cur = timer_counts_per_tick;
	return (uint64_t)(timer_counts_per_tick - cur) * NSEC_PER_TICK / timer_counts_per_tick;
}
