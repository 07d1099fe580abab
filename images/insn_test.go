package images

import (
	"bytes"
	"debug/elf"
	"sort"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// allowedOps is every instruction the kernel and the drivers may contain
// (the CPU must implement them). A compiler change that emits
// anything else (SSE, x87, CET, a new system instruction) fails this test.
var allowedOps = map[string]bool{}

func init() {
	for _, op := range strings.Fields(`
		ADC ADD AND BSF BSR BT BTC BTR BTS CALL CDQ CDQE CLAC CLD CLI CMC CMOVA CMOVAE CMOVB CMOVBE CMOVE
		CMOVG CMOVGE CMOVL CMOVLE CMOVNE CMOVNO CMOVNP CMOVNS CMOVO CMOVP CMOVS CMP CMPXCHG CPUID CQO
		CWDE DEC DIV HLT IDIV IMUL IN INC INVLPG IRETQ JA JAE JB JBE JE JG JGE JL JLE JMP JNE JNO JNP
		JNS JO JP JS INT LEA LEAVE LGDT LIDT LLDT LRET LTR MOV MOVSB MOVSX MOVSXD MOVZX MUL NEG NOP NOT OR OUT
		PAUSE POP POPFQ PUSH PUSHFQ RDMSR RDRAND RDTSC RET ROL ROR SAR SBB SETA SETAE SETB SETBE SETE
		SETG SETGE SETL SETLE SETNE SETNS SETS SGDT SHL SHLD SHR SHRD SIDT SLDT STAC STI STOSB STR SUB SWAPGS SYSCALL
		SYSRET TEST UD2 WRMSR XADD XCHG XOR FXSAVE64 FXRSTOR64 STOSQ`) {
		allowedOps[op] = true
	}
}

// sweep decodes text linearly in 64-bit mode and counts the mnemonics.
func sweep(t *testing.T, name string, text []byte, base uint64, ops map[string]int) {
	t.Helper()
	for off := 0; off < len(text); {
		// x86asm does not know STAC/CLAC (0F 01 CB / 0F 01 CA).
		if rest := text[off:]; len(rest) >= 3 && rest[0] == 0x0F && rest[1] == 0x01 && (rest[2] == 0xCA || rest[2] == 0xCB) {
			op := "CLAC"
			if rest[2] == 0xCB {
				op = "STAC"
			}
			ops[op]++
			off += 3
			continue
		}
		inst, err := x86asm.Decode(text[off:], 64)
		if err != nil || inst.Len == 0 {
			// Zero padding at the end of a section is not code.
			if bytes.Count(text[off:], []byte{0}) == len(text)-off {
				return
			}
			t.Errorf("%s: undecodable bytes at %#x: % x", name, base+uint64(off), text[off:min(off+8, len(text))])
			return
		}
		op := inst.Op.String()
		if strings.HasPrefix(op, "MOVS") || strings.HasPrefix(op, "STOS") {
			for _, p := range inst.Prefix {
				if p&0xFF == x86asm.PrefixREP&0xFF {
					op = "REP " + op
				}
			}
		}
		ops[op]++
		if !allowedOps[inst.Op.String()] {
			t.Errorf("%s: %#x: instruction %v not in the allowed set", name, base+uint64(off), inst)
		}
		off += inst.Len
	}
}

func TestKernelInstructions(t *testing.T) {
	ops := map[string]int{}
	k, err := elf.NewFile(bytes.NewReader(Kernel()))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := k.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var longEntry uint64
	for _, s := range syms {
		if s.Name == "long_entry" {
			longEntry = s.Value
		}
	}
	text := k.Section(".text")
	if text == nil || longEntry == 0 {
		t.Fatal("no .text or long_entry in the kernel")
	}
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	// The Multiboot header and the 32-bit entry precede long_entry.
	sweep(t, "kernel", data[longEntry-text.Addr:], longEntry, ops)
	for _, name := range Drivers() {
		b, _ := Driver(name)
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			continue // malformed on purpose
		}
		for _, s := range f.Sections {
			if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS {
				continue
			}
			d, err := s.Data()
			if err != nil {
				continue
			}
			sweep(t, name+":"+s.Name, d, 0, ops)
		}
	}
	var list []string
	for op, n := range ops {
		list = append(list, op+"×"+itoa(n))
	}
	sort.Strings(list)
	t.Logf("%d distinct instructions (64-bit kernel and drivers): %s", len(list), strings.Join(list, " "))
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
