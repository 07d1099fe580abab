package gdbstub

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// MaxPacket is the largest packet payload the stub accepts (and announces
// as PacketSize); a longer one is discarded up to its checksum and
// answered with an error.
const MaxPacket = 0x4000

// frameKind says what the framer found in the byte stream.
type frameKind int

const (
	framePacket    frameKind = iota // a $...#cs packet with a good checksum
	frameBadSum                     // a packet whose checksum did not match
	frameOversized                  // a packet longer than MaxPacket (payload dropped)
	frameInterrupt                  // 0x03 outside a packet
	frameAck                        // '+'
	frameNack                       // '-'
)

// frame is one unit of the remote protocol's byte stream.
type frame struct {
	kind frameKind
	data []byte // the unescaped payload (framePacket)
}

// framer splits the byte stream from the debugger into frames (GDB
// manual, "Overview" of the remote protocol): $payload#xx with '}' escapes
// and run-length encoding, '+'/'-' acknowledgements and the 0x03
// interrupt. Bytes outside a packet that are none of those are ignored.
// It never fails: any byte sequence gives frames or nothing.
type framer struct {
	state   int // 0 outside, 1 payload, 2 first checksum digit, 3 second
	buf     []byte
	sum     uint8
	escape  bool
	over    bool
	sumText [2]byte
}

// feed consumes one byte and returns a frame when one is complete.
func (f *framer) feed(b byte) (frame, bool) {
	switch f.state {
	case 0:
		switch b {
		case '$':
			f.state, f.buf, f.sum, f.escape, f.over = 1, f.buf[:0], 0, false, false
		case 0x03:
			return frame{kind: frameInterrupt}, true
		case '+':
			return frame{kind: frameAck}, true
		case '-':
			return frame{kind: frameNack}, true
		}
	case 1:
		if b == '#' {
			f.state = 2
			return frame{}, false
		}
		f.sum += b
		if f.over {
			return frame{}, false
		}
		if len(f.buf) >= MaxPacket {
			f.over = true
			return frame{}, false
		}
		f.buf = append(f.buf, b)
	case 2:
		f.sumText[0], f.state = b, 3
	case 3:
		f.sumText[1], f.state = b, 0
		if f.over {
			return frame{kind: frameOversized}, true
		}
		want, err := strconv.ParseUint(string(f.sumText[:]), 16, 8)
		if err != nil || uint8(want) != f.sum {
			return frame{kind: frameBadSum}, true
		}
		data, ok := unescape(f.buf)
		if !ok {
			return frame{kind: frameBadSum}, true
		}
		return frame{kind: framePacket, data: data}, true
	}
	return frame{}, false
}

// unescape undoes '}' escapes and '*' run-length encoding of a payload.
func unescape(in []byte) ([]byte, bool) {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '}':
			if i+1 >= len(in) {
				return nil, false
			}
			i++
			out = append(out, in[i]^0x20)
		case '*':
			// "X*n": n-29 more copies of the previous byte.
			if len(out) == 0 || i+1 >= len(in) || in[i+1] < 29 {
				return nil, false
			}
			i++
			n := int(in[i]) - 29
			if len(out)+n > MaxPacket {
				return nil, false
			}
			for ; n > 0; n-- {
				out = append(out, out[len(out)-1])
			}
		default:
			out = append(out, c)
		}
	}
	return out, true
}

// encodePacket frames a reply: escapes '$', '#', '}' and '*' and appends
// the checksum.
func encodePacket(payload string) []byte {
	out := make([]byte, 0, len(payload)+4)
	out = append(out, '$')
	var sum uint8
	for i := 0; i < len(payload); i++ {
		c := payload[i]
		if c == '$' || c == '#' || c == '}' || c == '*' {
			out = append(out, '}')
			sum += '}'
			c ^= 0x20
		}
		out = append(out, c)
		sum += c
	}
	return fmt.Appendf(out, "#%02x", sum)
}

// parseHex reads a hexadecimal number of at most 64 bits.
func parseHex(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	return strconv.ParseUint(s, 16, 64)
}

// parseAddrLen reads "ADDR,LEN".
func parseAddrLen(s string) (addr, n uint64, err error) {
	a, l, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, fmt.Errorf("want ADDR,LEN, got %q", s)
	}
	if addr, err = parseHex(a); err != nil {
		return 0, 0, fmt.Errorf("bad address %q", a)
	}
	if n, err = parseHex(l); err != nil {
		return 0, 0, fmt.Errorf("bad length %q", l)
	}
	return addr, n, nil
}

// decodeHex decodes an even-length hex string.
func decodeHex(s string) ([]byte, error) { return hex.DecodeString(s) }

// parseThread reads a thread id: a hex number, 0 (any) or -1 (all).
func parseThread(s string) (int, error) {
	if s == "-1" {
		return -1, nil
	}
	if i := strings.IndexByte(s, '.'); i >= 0 { // multiprocess pPID.TID
		s = s[i+1:]
	}
	s = strings.TrimPrefix(s, "p")
	v, err := strconv.ParseUint(s, 16, 31)
	if err != nil {
		return 0, fmt.Errorf("bad thread id %q", s)
	}
	return int(v), nil
}
