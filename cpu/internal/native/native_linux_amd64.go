//go:build linux && amd64

package native

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// Context block layout (offsets from ctxAddr).
const (
	ctxAddr     = Base + 0x3000
	ctxInGPR    = 0x000
	ctxInFlags  = 0x080
	ctxInMXCSR  = 0x088
	ctxInXMM    = 0x100
	ctxOutGPR   = 0x200
	ctxOutFlags = 0x280
	ctxOutMXCSR = 0x288
	ctxOutXMM   = 0x300
	ctxHost     = 0x400 // RSP RBP RBX R12 R13 R14 R15, then MXCSR at +0x38

	prologueAddr = Base + 0x5000
	epilogueAddr = Base + 0x5800

	mapFixedNoReplace = 0x100000
	archGetFS         = 0x1003
	mremapMayMove     = 1
	mremapFixed       = 2
)

func callEntry(entry uintptr)

var (
	once    sync.Once
	initErr error
	region  []byte
	mu      sync.Mutex
)

// Available reports whether snippets can run here (maps the region on first use).
func Available() error {
	once.Do(setup)
	return initErr
}

func setup() {
	// Shared, so that mremap can create the scratch mirrors as second views of it.
	addr, _, errno := syscall.Syscall6(syscall.SYS_MMAP, Base, RegionSize,
		syscall.PROT_READ|syscall.PROT_WRITE|syscall.PROT_EXEC,
		syscall.MAP_SHARED|syscall.MAP_ANONYMOUS|mapFixedNoReplace, ^uintptr(0), 0)
	if errno != 0 {
		initErr = fmt.Errorf("%w: mmap %#x: %v", ErrUnavailable, Base, errno)
		return
	}
	if addr != Base {
		// An old kernel without MAP_FIXED_NOREPLACE treats it as a hint.
		syscall.Syscall(syscall.SYS_MUNMAP, addr, RegionSize, 0)
		initErr = fmt.Errorf("%w: region landed at %#x, not %#x", ErrUnavailable, addr, Base)
		return
	}
	for _, m := range []uintptr{Mirror32, Mirror64} {
		if err := mirror(m); err != nil {
			initErr = err
			return
		}
	}
	// unsafe.Add from nil: the region is outside the Go heap, mapped above.
	region = unsafe.Slice((*byte)(unsafe.Add(nil, addr)), RegionSize)
	copy(region[prologueAddr-Base:], prologue())
	copy(region[epilogueAddr-Base:], epilogue())
}

// mirror maps the scratch data a second time at addr: a placeholder mapping first
// proves the range is free, then mremap with old size 0 duplicates the shared pages
// over the placeholder.
func mirror(at uintptr) error {
	got, _, errno := syscall.Syscall6(syscall.SYS_MMAP, at, ScratchSize, syscall.PROT_NONE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|mapFixedNoReplace, ^uintptr(0), 0)
	if errno != 0 {
		return fmt.Errorf("%w: mmap mirror %#x: %v", ErrUnavailable, at, errno)
	}
	if got != at {
		syscall.Syscall(syscall.SYS_MUNMAP, got, ScratchSize, 0)
		return fmt.Errorf("%w: mirror landed at %#x, not %#x", ErrUnavailable, got, at)
	}
	got, _, errno = syscall.Syscall6(syscall.SYS_MREMAP, ScratchAddr, 0, ScratchSize,
		mremapMayMove|mremapFixed, at, 0)
	if errno != 0 || got != at {
		return fmt.Errorf("%w: mremap mirror %#x: %v", ErrUnavailable, at, errno)
	}
	return nil
}

// Hand-assembled helpers for the prologue and epilogue: absolute [disp32] addressing
// (ModRM mod=00 rm=100, SIB base=101 index=100).

func abs(b []byte, modrmReg byte, a uint32) []byte {
	b = append(b, (modrmReg&7)<<3|4, 0x25)
	return binary.LittleEndian.AppendUint32(b, a)
}

// movStore is MOV [a], r64; movLoad is MOV r64, [a].
func movStore(b []byte, r byte, a uint32) []byte {
	return abs(append(b, 0x48|(r>>3)<<2, 0x89), r, a)
}

func movLoad(b []byte, r byte, a uint32) []byte {
	return abs(append(b, 0x48|(r>>3)<<2, 0x8B), r, a)
}

// movdqu is MOVDQU xmm, [a] (load) or MOVDQU [a], xmm (store).
func movdqu(b []byte, x byte, a uint32, store bool) []byte {
	b = append(b, 0xF3)
	if x >= 8 {
		b = append(b, 0x44)
	}
	op := byte(0x6F)
	if store {
		op = 0x7F
	}
	return abs(append(b, 0x0F, op), x, a)
}

func movRSPImm(b []byte, a uint32) []byte {
	return binary.LittleEndian.AppendUint32(append(b, 0x48, 0xC7, 0xC4), a)
}

var hostRegs = []byte{4, 5, 3, 12, 13, 14, 15} // RSP RBP RBX R12 R13 R14 R15

func prologue() []byte {
	var b []byte
	for i, r := range hostRegs {
		b = movStore(b, r, ctxAddr+ctxHost+uint32(8*i))
	}
	b = abs(append(b, 0x0F, 0xAE), 3, ctxAddr+ctxHost+0x38) // stmxcsr host
	b = movRSPImm(b, ctxAddr+ctxInFlags)
	b = append(b, 0x9D)                                   // popfq
	b = abs(append(b, 0x0F, 0xAE), 2, ctxAddr+ctxInMXCSR) // ldmxcsr
	for x := byte(0); x < 16; x++ {
		b = movdqu(b, x, ctxAddr+ctxInXMM+16*uint32(x), false)
	}
	for r := byte(0); r < 16; r++ {
		b = movLoad(b, r, ctxAddr+ctxInGPR+8*uint32(r))
	}
	// jmp CodeAddr
	rel := int32(CodeAddr - (prologueAddr + len(b) + 5))
	return binary.LittleEndian.AppendUint32(append(b, 0xE9), uint32(rel))
}

func epilogue() []byte {
	var b []byte
	for r := byte(0); r < 16; r++ {
		b = movStore(b, r, ctxAddr+ctxOutGPR+8*uint32(r))
	}
	b = movRSPImm(b, ctxAddr+ctxOutFlags+8)
	b = append(b, 0x9C)                                    // pushfq
	b = abs(append(b, 0x0F, 0xAE), 3, ctxAddr+ctxOutMXCSR) // stmxcsr
	for x := byte(0); x < 16; x++ {
		b = movdqu(b, x, ctxAddr+ctxOutXMM+16*uint32(x), true)
	}
	b = abs(append(b, 0x0F, 0xAE), 2, ctxAddr+ctxHost+0x38) // ldmxcsr host
	b = append(b, 0xFC)                                     // cld
	for i, r := range hostRegs {
		b = movLoad(b, r, ctxAddr+ctxHost+uint32(8*i))
	}
	b = append(b, 0x45, 0x0F, 0x57, 0xFF) // xorps xmm15, xmm15
	return append(b, 0xC3)                // ret
}

// Run executes code on the host with the registers and memory of in and stores the
// result in out. Calls are serialised (the region is global).
func Run(code []byte, in, out *State) error {
	if err := Available(); err != nil {
		return err
	}
	if len(code) > MaxCode {
		return fmt.Errorf("native: snippet of %d bytes exceeds %d", len(code), MaxCode)
	}
	if in.MXCSR&0x1F80 != 0x1F80 {
		return fmt.Errorf("native: MXCSR %#x unmasks an exception", in.MXCSR)
	}
	mu.Lock()
	defer mu.Unlock()
	// The FS base belongs to the OS thread: read it on the thread that runs the snippet.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := region
	c := r[CodeAddr-Base:]
	n := copy(c, code)
	if len(in.FSPatches) > 0 {
		var fsBase uint64
		if _, _, errno := syscall.Syscall(syscall.SYS_ARCH_PRCTL, archGetFS, uintptr(unsafe.Pointer(&fsBase)), 0); errno != 0 {
			return fmt.Errorf("native: arch_prctl(ARCH_GET_FS): %v", errno)
		}
		for _, p := range in.FSPatches {
			if p.Off < 0 || p.Off+8 > n {
				return fmt.Errorf("native: FS patch at %d outside the %d-byte snippet", p.Off, n)
			}
			binary.LittleEndian.PutUint64(c[p.Off:], p.Addr-fsBase)
		}
	}
	c[n] = 0xE9
	binary.LittleEndian.PutUint32(c[n+1:], uint32(int32(epilogueAddr-(CodeAddr+n+5))))
	copy(r[MemAddr-Base:], in.Mem[:])
	x := r[ctxAddr-Base:]
	for i, v := range in.GPR {
		binary.LittleEndian.PutUint64(x[ctxInGPR+8*i:], v)
	}
	binary.LittleEndian.PutUint64(x[ctxInFlags:], in.RFLAGS&LoadFlags|0x202)
	binary.LittleEndian.PutUint32(x[ctxInMXCSR:], in.MXCSR)
	for i, v := range in.XMM {
		binary.LittleEndian.PutUint64(x[ctxInXMM+16*i:], v[0])
		binary.LittleEndian.PutUint64(x[ctxInXMM+16*i+8:], v[1])
	}
	callEntry(prologueAddr)
	for i := range out.GPR {
		out.GPR[i] = binary.LittleEndian.Uint64(x[ctxOutGPR+8*i:])
	}
	out.RFLAGS = binary.LittleEndian.Uint64(x[ctxOutFlags:])
	out.MXCSR = binary.LittleEndian.Uint32(x[ctxOutMXCSR:])
	for i := range out.XMM {
		out.XMM[i][0] = binary.LittleEndian.Uint64(x[ctxOutXMM+16*i:])
		out.XMM[i][1] = binary.LittleEndian.Uint64(x[ctxOutXMM+16*i+8:])
	}
	copy(out.Mem[:], r[MemAddr-Base:MemAddr-Base+MemSize])
	return nil
}
