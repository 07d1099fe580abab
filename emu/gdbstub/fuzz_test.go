package gdbstub

import (
	"bufio"
	"io"
	"testing"

	"github.com/kppemu/kppemu/emu"
)

// FuzzPackets feeds arbitrary bytes through the framer and every packet
// that comes out through the request handler of a stub on a stopped
// machine: no input may panic, and every reply must frame again.
func FuzzPackets(f *testing.F) {
	for _, seed := range []string{
		"+$qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+#c9",
		"$g#67", "$G" + "00" + "#00", "$p10#d1", "$P10=0000000000000000#00",
		"$m100000,10#00", "$M2000,2:abcd#00", "$X2000,2:}\x03}\x04#00",
		"$Z0,100000,1#00", "$z0,100000,1#00", "$Z2,2000,8#00", "$Z4,2000,ffffffffffffffff#00",
		"$vCont;s:1;c#00", "$vCont;C05:p1.1#00", "$vCont?#49", "$Hg1#00", "$Hc-1#00", "$T1#00",
		"$qXfer:features:read:target.xml:0,fff#00", "$qRcmd,72656773#00", "$QStartNoAckMode#b0",
		"$qfThreadInfo#bb", "$qThreadExtraInfo,1#00", "\x03", "-", "$a*\x22#00", "$}#00", "$*#00",
		"$qC#b4", "$?#3f", "$bs#00", "$D#44",
	} {
		f.Add([]byte(seed))
	}
	m, err := emu.New(emu.Config{MemBytes: 16 << 20})
	if err != nil {
		f.Fatal(err)
	}
	s := &Stub{m: m, bps: map[uint64]int{}, hwbps: map[uint64]bool{}, lastStop: "S05",
		opts: Options{Monitor: func(_ int, cmd string) (string, error) { return cmd, nil }}}
	f.Fuzz(func(t *testing.T, data []byte) {
		s.cl = &client{w: bufio.NewWriter(io.Discard), feats: map[string]bool{}}
		var fr framer
		for _, b := range data {
			frm, ok := fr.feed(b)
			if !ok || frm.kind != framePacket {
				continue
			}
			if len(frm.data) > MaxPacket {
				t.Fatalf("a %d-byte packet passed the framer", len(frm.data))
			}
			reply, _ := s.handle(string(frm.data))
			var back framer
			var got []frame
			for _, c := range encodePacket(reply) {
				if x, ok := back.feed(c); ok {
					got = append(got, x)
				}
			}
			if len(got) != 1 || got[0].kind != framePacket || string(got[0].data) != reply {
				t.Fatalf("reply %q does not frame back: %v", reply, got)
			}
		}
		s.clearDebugState()
	})
}
