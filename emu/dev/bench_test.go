package dev

import "testing"

// BenchmarkNextDeadline measures what the run loop pays per slice: one
// NextDeadline per Timed device, all armed.
func BenchmarkNextDeadline(b *testing.B) {
	m := newMachine()
	out8(m.pit, PITControl, 0x34)
	out8(m.pit, PITChannel0, 0x9C)
	out8(m.pit, PITChannel0, 0x2E)
	wmmio32(m.apic, LAPICSVR, LAPICSVREnable|0xFF)
	wmmio32(m.apic, LAPICLVTTimer, LAPICLVTPeriodic|0x30)
	wmmio32(m.apic, LAPICTimerICR, 100000)
	out8(m.uart, UARTFCR, UARTFCREnable|0xC0)
	m.uart.PushInput([]byte("ab"))
	cm := NewCMOS(m.clk, 0, DefaultRTCBase)
	cmosWrite(cm, RTCRegB, RTCB24|RTCBPIE|RTCBUIE)
	timed := []Timed{m.pit, m.apic, m.uart, cm}
	b.ReportAllocs()
	b.ResetTimer()
	var sink uint64
	for i := 0; i < b.N; i++ {
		for _, d := range timed {
			t, _ := d.NextDeadline()
			sink += t
		}
	}
	_ = sink
}
