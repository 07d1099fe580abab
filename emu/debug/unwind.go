package debug

import "golang.org/x/arch/x86/x86asm"

// A stop path that zeroes RBP before its last call (PatchGuard's does, to
// leave nothing of the detecting code's frame chain in registers) ends the
// frame-pointer chain, although the frames above it are still on the
// stack. overFrameless goes on from the return address ret, stored at
// slot: it reads the prologue of the routine ret returns into (pushes, SUB
// RSP and MOV RBP, RSP up to its first jump or call), and while that
// routine keeps no frame pointer it steps over its stack use to its own
// return address. It returns the frames it passed and the first frame
// pointer it could rebuild; every return address it takes must follow a
// call instruction in kernel code.
func (s *Session) overFrameless(ret, slot uint64, limit int) (frames []btFrame, rbp uint64, ok bool) {
	for len(frames) < limit {
		depth, framedAt, framed, known := s.prologue(ret)
		if !known {
			return nil, 0, false
		}
		entry := slot + 8 + depth // the routine's RSP at entry
		if framed {
			return frames, entry - framedAt, true
		}
		r, err := s.readU64(entry)
		if err != nil || !s.afterCall(r) {
			return nil, 0, false
		}
		frames = append(frames, btFrame{addr: r})
		ret, slot = r, entry
	}
	return nil, 0, false
}

// prologue reads the start of the routine holding code address pc: depth
// is how far its prologue moves RSP down, framedAt the depth at which it
// copies RSP to RBP (framed when it does). known is false when the
// routine has no symbol, pc lies within the prologue, or the prologue
// changes RSP in a way this does not follow.
func (s *Session) prologue(pc uint64) (depth, framedAt uint64, framed, known bool) {
	_, sym, hasSym, ok := s.m.Symbols().Where(pc)
	if !ok || !hasSym {
		return 0, 0, false, false
	}
	var buf [16]byte
	at := sym.Addr
	for range 32 {
		if at >= pc {
			return 0, 0, false, false
		}
		n := s.readVirtPartial(at, buf[:])
		inst, err := decode(buf[:n], 64)
		if err != nil {
			return 0, 0, false, false
		}
		r0, _ := inst.Args[0].(x86asm.Reg)
		switch {
		case inst.Op == x86asm.PUSH && inst.Args[1] == nil:
			if _, isReg := inst.Args[0].(x86asm.Reg); !isReg {
				return 0, 0, false, false
			}
			depth += 8
		case inst.Op == x86asm.SUB && r0 == x86asm.RSP:
			imm, isImm := inst.Args[1].(x86asm.Imm)
			if !isImm || imm < 0 {
				return 0, 0, false, false
			}
			depth += uint64(imm)
		case inst.Op == x86asm.MOV && r0 == x86asm.RBP && inst.Args[1] == x86asm.RSP:
			framedAt, framed = depth, true
		case isControl(inst.Op):
			return depth, framedAt, framed, true
		case writesRSP(inst):
			return 0, 0, false, false
		}
		at += uint64(inst.Len)
	}
	return 0, 0, false, false
}

// afterCall reports whether a is a kernel code address right after a
// call instruction: what a return address on a kernel stack is.
func (s *Session) afterCall(a uint64) bool {
	if a < 1<<63 {
		return false
	}
	if _, _, hasSym, ok := s.m.Symbols().Where(a); !ok || !hasSym {
		return false
	}
	var buf [7]byte
	if s.readVirt(a-7, buf[:]) != nil {
		return false
	}
	for _, k := range []int{2, 3, 5, 6, 7} {
		inst, err := decode(buf[7-k:], 64)
		if err == nil && inst.Op == x86asm.CALL && inst.Len == k {
			return true
		}
	}
	return false
}

func isControl(op x86asm.Op) bool {
	switch op {
	case x86asm.CALL, x86asm.RET, x86asm.JMP, x86asm.LCALL, x86asm.LJMP, x86asm.LRET, x86asm.IRETQ,
		x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JNE, x86asm.JG, x86asm.JGE,
		x86asm.JL, x86asm.JLE, x86asm.JO, x86asm.JNO, x86asm.JP, x86asm.JNP, x86asm.JS, x86asm.JNS,
		x86asm.JRCXZ, x86asm.JECXZ, x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE, x86asm.UD2, x86asm.HLT,
		x86asm.INT, x86asm.SYSCALL, x86asm.SYSRET:
		return true
	}
	return false
}

// writesRSP reports an instruction other than those prologue follows that
// changes RSP (POP, ADD/AND/LEA/MOV to RSP, ENTER, LEAVE, PUSHF...).
func writesRSP(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.POP, x86asm.POPF, x86asm.POPFQ, x86asm.PUSHF, x86asm.PUSHFQ, x86asm.ENTER, x86asm.LEAVE:
		return true
	}
	r0, _ := inst.Args[0].(x86asm.Reg)
	return r0 == x86asm.RSP || r0 == x86asm.ESP || r0 == x86asm.SP
}
