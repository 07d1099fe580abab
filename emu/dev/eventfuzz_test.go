package dev

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/kppemu/kppemu/kernel/abi"
)

// FuzzEventRecord decodes arbitrary bytes as an event record, placed so
// that it may run past the end of guest memory. The port never panics; it
// publishes exactly the records a reference reading of the layout accepts,
// with their type, arguments and text; it refuses the others and counts
// them. Seeds: one valid record of every event type and the edge cases of
// the length, argument count and text (testdata/fuzz/FuzzEventRecord).
func FuzzEventRecord(f *testing.F) {
	for typ := uint32(0); typ <= abi.EvLog+1; typ++ {
		f.Add(record(abi.EventMagic, typ, []uint64{uint64(typ), 0xFFFF800000100000}, "text", -1), uint16(0x100))
	}
	f.Add(record(abi.EventMagic, abi.EvLog, nil, strings.Repeat("x", abi.EventMaxLength-abi.EventHeaderSize), -1), uint16(0))
	f.Add(record(abi.EventMagic, abi.EvLog, make([]uint64, abi.EventMaxArgs+1), "", -1), uint16(0))
	f.Add(record(abi.EventMagic, abi.EvBugCheck, []uint64{0x109}, "", abi.EventHeaderSize+4), uint16(0))
	f.Add(record(abi.EventMagic, abi.EvLog, nil, "runs off the end", -1), uint16(0xFFF8))
	f.Fuzz(func(t *testing.T, rec []byte, at uint16) {
		mem := make(fakeMem, 0x10000)
		copy(mem[at:], rec)
		var got []Event
		p := NewEventPort(&fakeClock{t: 7}, mem, func(e Event) { got = append(got, e) }, nil)
		var addr [4]byte
		binary.LittleEndian.PutUint32(addr[:], uint32(at))
		p.WritePort(0, addr[:])

		// The reference reading of the record, from the bytes the guest sees.
		view := make([]byte, abi.EventMaxLength+abi.EventHeaderSize)
		mem.ReadPhys(uint64(at), view)
		le := binary.LittleEndian
		magic, typ, length, nargs := le.Uint32(view), le.Uint32(view[4:]), le.Uint32(view[8:]), le.Uint32(view[12:])
		valid := magic == abi.EventMagic && nargs <= abi.EventMaxArgs && length <= abi.EventMaxLength &&
			length >= abi.EventHeaderSize+8*nargs
		if !valid {
			if len(got) != 0 || p.State.Bad != 1 || p.State.Good != 0 {
				t.Fatalf("refused record published: %v, state %+v", got, p.State)
			}
			return
		}
		if len(got) != 1 || p.State.Good != 1 {
			t.Fatalf("valid record (type %d, length %d, %d args) not published: state %+v", typ, length, nargs, p.State)
		}
		e := got[0]
		if e.Type != typ || uint32(len(e.Args)) != nargs || e.Time != 7 {
			t.Fatalf("decoded %+v from type %d with %d args", e, typ, nargs)
		}
		for i, a := range e.Args {
			if want := le.Uint64(view[abi.EventHeaderSize+8*i:]); a != want {
				t.Fatalf("argument %d = %#x, want %#x", i, a, want)
			}
		}
		text := view[abi.EventHeaderSize+8*nargs : length]
		if i := bytes.IndexByte(text, 0); i >= 0 {
			text = text[:i]
		}
		if e.Text != string(text) {
			t.Fatalf("text %q, want %q", e.Text, text)
		}
		_ = e.String() // rendering any decoded event is safe too
	})
}
