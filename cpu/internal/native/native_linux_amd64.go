//go:build linux && amd64

package native

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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
	ctxHost     = 0x400 // RSP RBP RBX R12 R13 R14 R15
	ctxFault    = 0x440 // signal (0: none), si_code, si_addr, RIP of a host fault
	ctxSaved    = 0x800 // the Go runtime's sigaction for signal n at +32*n

	prologueAddr      = Base + 0x5000
	epilogueAddr      = Base + 0x5800
	faultEpilogueAddr = Base + 0x5C00
	handlerAddr       = Base + 0x5D00
	timerHandlerAddr  = Base + 0x5E00
	restorerAddr      = Base + 0x5F00
	hostMXCSRAddr     = Base + 0x5FF0 // read-only: the MXCSR Go code runs with

	// timerSignal ends a snippet that is still running after cpuLimit of its thread's
	// CPU time (a loop the emulator did not take, or a jump out of the snippet).
	timerSignal = TimeoutSignal
	cpuLimit    = TimeoutSeconds

	clockThreadCPUTime = 3
	sigevThreadID      = 4
	hlt                = 0xF4   // privileged at CPL 3: #GP, a SIGSEGV the handler takes
	goMXCSR            = 0x1F80 // every exception masked, round to nearest: Go's ABI

	saSiginfo  = 0x4
	saOnstack  = 0x08000000
	saRestorer = 0x04000000
	ucRIP      = 40 + 16*8 // uc_mcontext.gregs[REG_RIP] in the kernel's ucontext

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
	retries atomic.Uint64
)

// Retries is how many snippet runs so far took a host fault that a later attempt did
// not take.
func Retries() uint64 { return retries.Load() }

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
	copy(region[faultEpilogueAddr-Base:], faultEpilogue())
	copy(region[handlerAddr-Base:], handler(true))
	copy(region[timerHandlerAddr-Base:], handler(false))
	// The restorer: rt_sigreturn.
	copy(region[restorerAddr-Base:], []byte{0xB8, 15, 0, 0, 0, 0x0F, 0x05})
	binary.LittleEndian.PutUint32(region[hostMXCSRAddr-Base:], goMXCSR)
	// The prologue, epilogues and handlers are read-only from here on: a snippet
	// that stores there faults instead of corrupting the way back to Go.
	if _, _, errno := syscall.Syscall(syscall.SYS_MPROTECT, prologueAddr, RegionSize-(prologueAddr-Base),
		syscall.PROT_READ|syscall.PROT_EXEC); errno != 0 {
		initErr = fmt.Errorf("%w: mprotect %#x: %v", ErrUnavailable, prologueAddr, errno)
	}
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
	return restoreHost(b)
}

// restoreHost is the common tail of both epilogues: MXCSR (from the read-only page: a
// snippet's stray store cannot make it fault) and the callee-owned registers back as
// the host had them, RFLAGS as Go code runs (IF only: the snippet's AC would make
// Go's unaligned accesses fault, its DF would break the ABI), X15 zeroed, return to
// callEntry.
func restoreHost(b []byte) []byte {
	b = abs(append(b, 0x0F, 0xAE), 2, hostMXCSRAddr) // ldmxcsr
	for i, r := range hostRegs {
		b = movLoad(b, r, ctxAddr+ctxHost+uint32(8*i))
	}
	b = append(b, 0x68, 0x02, 0x02, 0, 0, 0x9D) // push 0x202; popfq
	b = append(b, 0x45, 0x0F, 0x57, 0xFF)       // xorps xmm15, xmm15
	return append(b, 0xC3)                      // ret
}

// faultEpilogue is where the signal handler sends an abandoned snippet: the x87 unit
// reset (the snippet may have left it in any state), then the host's state back.
func faultEpilogue() []byte {
	return restoreHost([]byte{0xDB, 0xE3}) // fninit
}

// handler is the signal handler (SA_SIGINFO: RDI signal, RSI siginfo, RDX ucontext).
// A signal taken at an instruction on the snippet's page is recorded in the context
// block and the interrupted RIP replaced by the fault epilogue. With chain, any other
// fault (one in the prologue or an epilogue too: sent back to the fault epilogue it
// would fault again, for ever) puts back the Go runtime's saved sigaction for the
// signal and returns, so the instruction faults again into the runtime's handler;
// without (the CPU-time timer's handler), a signal taken elsewhere is dropped: in the
// prologue, an epilogue or inside another handler (whose frame must unwind through its
// own return), it lets the next period come.
func handler(chain bool) []byte {
	lo, size := uint32(CodeAddr), uint32(prologueAddr-CodeAddr)
	b := []byte{0x48, 0x8B, 0x82, ucRIP, 0, 0, 0}                           // mov rax, [rdx+RIP]
	b = append(b, 0x48, 0x89, 0xC1)                                         // mov rcx, rax
	b = binary.LittleEndian.AppendUint32(append(b, 0x48, 0x81, 0xE9), lo)   // sub rcx, lo
	b = binary.LittleEndian.AppendUint32(append(b, 0x48, 0x81, 0xF9), size) // cmp rcx, size
	jae := len(b)
	b = append(b, 0x73, 0)                  // jae chain
	b = movStore(b, 0, ctxAddr+ctxFault+24) // RIP
	b = movStore(b, 7, ctxAddr+ctxFault)    // signal
	b = append(b, 0x8B, 0x4E, 0x08)         // mov ecx, [rsi+8]: si_code
	b = movStore(b, 1, ctxAddr+ctxFault+8)
	b = append(b, 0x48, 0x8B, 0x4E, 0x10) // mov rcx, [rsi+16]: si_addr
	b = movStore(b, 1, ctxAddr+ctxFault+16)
	b = binary.LittleEndian.AppendUint32(append(b, 0x48, 0xC7, 0xC1), faultEpilogueAddr) // mov rcx, imm
	b = append(b, 0x48, 0x89, 0x8A, ucRIP, 0, 0, 0, 0xC3)                                // mov [rdx+RIP], rcx; ret
	b[jae+1] = byte(len(b) - (jae + 2))
	if !chain {
		return append(b, 0xC3) // ret
	}
	// chain: rt_sigaction(signal, &saved[signal], NULL, 8)
	b = append(b, 0x89, 0xF8, 0xC1, 0xE0, 0x05)                             // mov eax, edi; shl eax, 5
	b = binary.LittleEndian.AppendUint32(append(b, 0x05), ctxAddr+ctxSaved) // add eax, imm
	b = append(b, 0x48, 0x89, 0xC6, 0x31, 0xD2)                             // mov rsi, rax; xor edx, edx
	b = append(b, 0x41, 0xBA, 8, 0, 0, 0)                                   // mov r10d, 8
	b = append(b, 0xB8, byte(syscall.SYS_RT_SIGACTION), 0, 0, 0)            // mov eax, nr
	return append(b, 0x0F, 0x05, 0xC3)                                      // syscall; ret
}

// faultSignals are the signals a snippet's own exceptions raise.
var faultSignals = []int{int(syscall.SIGILL), int(syscall.SIGBUS), int(syscall.SIGFPE), int(syscall.SIGSEGV)}

// sigaction is the kernel's struct sigaction on x86-64.
type sigaction struct {
	handler, flags, restorer uintptr
	mask                     uint64
}

func rtSigaction(sig int, act, old unsafe.Pointer) error {
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(act), uintptr(old), 8, 0, 0); errno != 0 {
		return fmt.Errorf("native: rt_sigaction(%d): %v", sig, errno)
	}
	return nil
}

func savedAction(sig int) unsafe.Pointer {
	return unsafe.Pointer(&region[ctxAddr-Base+ctxSaved+32*sig])
}

// catchFaults points the fault signals at the region's handler, keeping the runtime's
// actions in the context block, and returns the function that puts them back.
func catchFaults() (func(), error) {
	act := sigaction{handler: handlerAddr, flags: saSiginfo | saOnstack | saRestorer, restorer: restorerAddr}
	done := 0
	timer := act
	timer.handler = timerHandlerAddr
	sigs := append(faultSignals[:len(faultSignals):len(faultSignals)], timerSignal)
	restore := func() {
		for _, sig := range sigs[:done] {
			if err := rtSigaction(sig, savedAction(sig), nil); err != nil {
				panic(err) // the runtime's own handler could not be put back
			}
		}
	}
	for _, sig := range sigs {
		a := &act
		if sig == timerSignal {
			a = &timer
		}
		if err := rtSigaction(sig, unsafe.Pointer(a), savedAction(sig)); err != nil {
			restore()
			return nil, err
		}
		done++
	}
	return restore, nil
}

// sigevent is the kernel's struct sigevent for SIGEV_THREAD_ID.
type sigevent struct {
	value  uint64
	signo  int32
	notify int32
	tid    int32
	_      [44]byte
}

type itimerspec struct {
	interval, value syscall.Timespec
}

// cpuTimer arms a timer on the calling thread's CPU-time clock that sends timerSignal
// to this thread after cpuLimit seconds and every second after that, and returns the
// function that deletes it.
func cpuTimer() (func(), error) {
	ev := sigevent{signo: int32(timerSignal), notify: sigevThreadID, tid: int32(syscall.Gettid())}
	var id int32
	if _, _, errno := syscall.RawSyscall(syscall.SYS_TIMER_CREATE, clockThreadCPUTime,
		uintptr(unsafe.Pointer(&ev)), uintptr(unsafe.Pointer(&id))); errno != 0 {
		return nil, fmt.Errorf("native: timer_create: %v", errno)
	}
	del := func() { syscall.RawSyscall(syscall.SYS_TIMER_DELETE, uintptr(id), 0, 0) }
	spec := itimerspec{value: syscall.Timespec{Sec: cpuLimit}, interval: syscall.Timespec{Sec: 1}}
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_TIMER_SETTIME, uintptr(id), 0,
		uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		del()
		return nil, fmt.Errorf("native: timer_settime: %v", errno)
	}
	return del, nil
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
	if in.MXCSR&^0xFFFF != 0 {
		return fmt.Errorf("native: MXCSR %#x sets reserved bits", in.MXCSR)
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
	// What follows faults at once: no earlier snippet's bytes are left to run.
	for i := n + 5; i < prologueAddr-CodeAddr; i++ {
		c[i] = hlt
	}
	restore, err := catchFaults()
	if err != nil {
		return err
	}
	defer restore()
	x := r[ctxAddr-Base:]
	var f *Fault
	for try := range Attempts {
		// Each attempt has its own CPU-time bound; one that ran out is tried again
		// like a fault (a timer that went off for another reason costs one attempt).
		stop, err := cpuTimer()
		if err != nil {
			return err
		}
		f = runOnce(r, in)
		stop()
		if f == nil {
			retries.Add(uint64(try))
			break
		}
	}
	if f != nil {
		return f
	}
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

// runOnce loads the inputs (memory included: an abandoned attempt may have written
// some of it) and runs the snippet placed in the region, returning its host fault.
func runOnce(r []byte, in *State) *Fault {
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
	binary.LittleEndian.PutUint64(x[ctxFault:], 0)
	callEntry(prologueAddr)
	sig := binary.LittleEndian.Uint64(x[ctxFault:])
	if sig == 0 {
		return nil
	}
	return &Fault{
		Signal: int(sig),
		Code:   int(int32(binary.LittleEndian.Uint32(x[ctxFault+8:]))),
		Addr:   binary.LittleEndian.Uint64(x[ctxFault+16:]),
		RIP:    binary.LittleEndian.Uint64(x[ctxFault+24:]),
	}
}
