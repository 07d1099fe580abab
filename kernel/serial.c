/* 16550A UART on COM1: polled transmit, interrupt-driven receive (IRQ 4
 * through the 8259 PIC) into a ring buffer the shell reads. */
#include <kpp/abi.h>
#include <kpp/cpu.h>
#include <kpp/printk.h>
#include <kpp/sched.h>

#define UART KPP_COM1_PORT
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_DLL 0
#define REG_DLM 1

#define IER_RX 0x01
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
/* FIFOs stay off (16450 mode): enabling them would clear a byte that
 * arrived before the kernel started, and one interrupt per byte is plenty
 * for a shell. */
#define FCR_FIFO_OFF 0x00
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define RX_RING 256

static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;
static struct wait_queue rx_wait = WAIT_QUEUE_INIT; /* threads waiting for input */

void serial_init(void)
{
	outb(UART + REG_IER, 0);
	outb(UART + REG_LCR, LCR_DLAB);
	outb(UART + REG_DLL, 1); /* 115200 baud */
	outb(UART + REG_DLM, 0);
	outb(UART + REG_LCR, LCR_8N1);
	outb(UART + REG_FCR, FCR_FIFO_OFF);
	outb(UART + REG_MCR, MCR_DTR_RTS_OUT2);
}

void serial_enable_rx_irq(void)
{
	/* A byte already waiting raises the interrupt as soon as it is enabled. */
	outb(UART + REG_IER, IER_RX);
	serial_irq();
}

void serial_putc(char c)
{
	while (!(inb(UART + REG_LSR) & LSR_THRE))
		cpu_relax();
	outb(UART + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void serial_flush(void)
{
	while ((inb(UART + REG_LSR) & (LSR_THRE | LSR_TEMT)) != (LSR_THRE | LSR_TEMT))
		cpu_relax();
}

void serial_irq(void)
{
	while (inb(UART + REG_LSR) & LSR_DR) {
		uint8_t c = inb(UART + REG_DATA);
		uint32_t next = (rx_head + 1) % RX_RING;
		if (next != rx_tail) {
			rx_ring[rx_head] = c;
			rx_head = next;
		}
	}
	if (rx_head != rx_tail && sched_running())
		wait_wake_all(&rx_wait);
}

int serial_getc(void)
{
	uint64_t f = irq_save();
	int c = -1;
	if (rx_tail != rx_head) {
		c = rx_ring[rx_tail];
		rx_tail = (rx_tail + 1) % RX_RING;
	}
	irq_restore(f);
	return c;
}

int console_getc_wait(bool interruptible)
{
	for (;;) {
		uint64_t f = irq_save();
		int c = serial_getc();
		if (c >= 0) {
			irq_restore(f);
			return c;
		}
		status_t st = wait_block(&rx_wait, interruptible);
		irq_restore(f);
		if (st != KPP_STATUS_SUCCESS)
			return -1;
	}
}

size_t console_read(char *buf, size_t n)
{
	int c = console_getc_wait(true);
	if (c < 0)
		return 0;
	size_t got = 0;
	buf[got++] = (char)c;
	while (got < n && (c = serial_getc()) >= 0)
		buf[got++] = (char)c;
	return got;
}
