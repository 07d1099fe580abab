package dev

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/kernel/abi"
)

// fakeMem is guest-physical memory; unbacked bytes read 0xFF.
type fakeMem []byte

func (m fakeMem) ReadPhys(pa uint64, buf []byte) {
	for i := range buf {
		if a := pa + uint64(i); a < uint64(len(m)) {
			buf[i] = m[a]
		} else {
			buf[i] = 0xFF
		}
	}
}

func record(magic, typ uint32, args []uint64, text string, length int) []byte {
	b := binary.LittleEndian.AppendUint32(nil, magic)
	b = binary.LittleEndian.AppendUint32(b, typ)
	if length < 0 {
		length = abi.EventHeaderSize + 8*len(args) + len(text) + 1
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(length))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(args)))
	for _, a := range args {
		b = binary.LittleEndian.AppendUint64(b, a)
	}
	b = append(b, text...)
	return append(b, 0)
}

func newEventPortTest(t *testing.T) (*EventPort, fakeMem, *[]Event, *bytes.Buffer) {
	mem := make(fakeMem, 0x10000)
	var evs []Event
	var logBuf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &logBuf, Level: hclog.Debug})
	p := NewEventPort(&fakeClock{t: 12345}, mem, func(e Event) { evs = append(evs, e) }, log)
	return p, mem, &evs, &logBuf
}

func TestEventPortDecodes(t *testing.T) {
	p, mem, evs, _ := newEventPortTest(t)
	copy(mem[0x1000:], record(abi.EventMagic, abi.EvBugCheck, []uint64{0x109, 1, 2, 3, 4}, "", -1))
	copy(mem[0x2000:], record(abi.EventMagic, abi.EvModuleLoaded, []uint64{0xFFFF800000100000, 0x2000}, "vendor.ko", -1))
	out32(p, 0, 0x1000)
	out32(p, 0, 0x2000)
	require.Len(t, *evs, 2)
	require.Equal(t, Event{Type: abi.EvBugCheck, Args: []uint64{0x109, 1, 2, 3, 4}, Time: 12345}, (*evs)[0])
	require.Equal(t, "vendor.ko", (*evs)[1].Text)
	require.Equal(t, `@12345 module-loaded args=[0xffff800000100000 0x2000] text="vendor.ko"`, (*evs)[1].String())
	require.Equal(t, "bug-check", EventTypeName(abi.EvBugCheck))
	require.Equal(t, "event-99", EventTypeName(99))
	require.Equal(t, uint64(2), p.Stats().Good)
}

func TestEventPortTextRunsToLength(t *testing.T) {
	p, mem, evs, _ := newEventPortTest(t)
	r := record(abi.EventMagic, abi.EvLog, nil, "abcdef", abi.EventHeaderSize+3)
	copy(mem[0x100:], r)
	out32(p, 0, 0x100)
	require.Len(t, *evs, 1)
	require.Equal(t, "abc", (*evs)[0].Text)
}

func TestEventPortRejectsBadRecords(t *testing.T) {
	cases := []struct {
		name string
		rec  []byte
		pa   uint32
	}{
		{"bad magic", record(0x12345678, abi.EvLog, nil, "x", -1), 0x100},
		{"too many args", record(abi.EventMagic, abi.EvLog, make([]uint64, abi.EventMaxArgs+1), "", -1), 0x100},
		{"too long", record(abi.EventMagic, abi.EvLog, nil, "x", abi.EventMaxLength+1), 0x100},
		{"too short for args", record(abi.EventMagic, abi.EvBugCheck, []uint64{1, 2}, "", abi.EventHeaderSize+8), 0x100},
		{"shorter than header", record(abi.EventMagic, abi.EvLog, nil, "", 4), 0x100},
		{"unbacked address", nil, 0xFFFFFFF0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, mem, evs, logBuf := newEventPortTest(t)
			copy(mem[0x100:], c.rec)
			out32(p, 0, c.pa)
			require.Empty(t, *evs)
			require.Equal(t, uint64(1), p.Stats().Bad)
			require.Contains(t, logBuf.String(), "bad event record")
		})
	}
}

func TestEventPortIgnoresNarrowWrites(t *testing.T) {
	p, mem, evs, _ := newEventPortTest(t)
	copy(mem[0x100:], record(abi.EventMagic, abi.EvShellReady, nil, "", -1))
	out8(p, 0, 0x00)
	out16(p, 0, 0x100)
	require.Empty(t, *evs)
	require.Equal(t, uint64(2), p.Stats().Ignored)
	require.Equal(t, uint8(0xFF), in8(p, 0))
	p.SetSink(nil)
	out32(p, 0, 0x100) // no sink: counted, dropped
	require.Equal(t, uint64(1), p.Stats().Good)
	q, _, _, _ := newEventPortTest(t)
	roundTrip(t, p, q)
	require.Equal(t, p.Stats(), q.Stats())
}

func TestEventPortLogIsRateLimited(t *testing.T) {
	p, _, _, logBuf := newEventPortTest(t)
	for range 100 {
		out32(p, 0, 0x100) // zero memory: bad magic
	}
	require.Equal(t, uint64(100), p.Stats().Bad)
	require.Equal(t, 8+3, bytes.Count(logBuf.Bytes(), []byte("bad event record")), "1-8, 16, 32, 64")
}
