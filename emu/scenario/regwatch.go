package scenario

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// RegChange is a change of a protected register seen between two run
// slices. The CPU offers no hook on WRMSR or MOV to CR, so the runner
// samples the registers PatchGuard protects before every slice (slices end
// at every I/O write and device deadline, so the window is short): the
// change happened in (From, To], and RIP is where the CPU was at To.
type RegChange struct {
	Name  string `json:"name"`
	Old   Hex    `json:"old"`
	New   Hex    `json:"new"`
	From  uint64 `json:"from_ns"`
	To    uint64 `json:"to_ns"`
	RIP   Hex    `json:"rip"`
	CPL   uint8  `json:"cpl"`
	Where string `json:"where"`
	// Callers are driver-area addresses found on the stack at To (return
	// addresses of the driver that was running, most recent first).
	Callers     []Hex    `json:"callers,omitempty"`
	CallerNames []string `json:"caller_names,omitempty"`
	kind        uint64
	id          uint64
}

func (c RegChange) String() string {
	s := fmt.Sprintf("%s changed %#x -> %#x between %s and %s; the CPU was then at %s (CPL %d)",
		c.Name, uint64(c.Old), uint64(c.New), fmtNS(c.From), fmtNS(c.To), c.Where, c.CPL)
	if len(c.CallerNames) > 0 {
		s += ", called from " + strings.Join(c.CallerNames, " <- ")
	}
	return s
}

type watchedReg struct {
	name string
	kind uint64 // abi.PGKind* of the regions that name it
	id   uint64 // MSR index, CR number, LAPIC offset; 0 for descriptor-table registers
	read func(m *emu.Machine) uint64
}

func msrReg(name string, idx uint32) watchedReg {
	return watchedReg{name, abi.PGKindMSR, uint64(idx), func(m *emu.Machine) uint64 {
		v, _ := m.CPU.ReadMSR(idx)
		return v
	}}
}

func lapicReg(name string, off uint64) watchedReg {
	return watchedReg{name, abi.PGKindLAPIC, off, func(m *emu.Machine) uint64 {
		var b [4]byte
		m.LAPIC.ReadMMIO(off, b[:])
		return uint64(binary.LittleEndian.Uint32(b[:]))
	}}
}

// watchedRegs are the registers behind PatchGuard's register regions
// (docs/patchguard.md: critical MSRs, control registers, the local APIC,
// descriptor-table registers). CR3 is left out: it changes on every
// address-space switch.
var watchedRegs = []watchedReg{
	msrReg("EFER", 0xC0000080), msrReg("STAR", 0xC0000081), msrReg("LSTAR", 0xC0000082),
	msrReg("CSTAR", 0xC0000083), msrReg("SFMASK", 0xC0000084),
	msrReg("SYSENTER_CS", 0x174), msrReg("SYSENTER_ESP", 0x175), msrReg("SYSENTER_EIP", 0x176),
	msrReg("PAT", 0x277), msrReg("MTRR_DEF_TYPE", 0x2FF),
	{"CR0", abi.PGKindCR, 0, func(m *emu.Machine) uint64 { return m.CPU.CR0 }},
	{"CR4", abi.PGKindCR, 4, func(m *emu.Machine) uint64 { return m.CPU.CR4 }},
	{"DR7", abi.PGKindCR, 7, func(m *emu.Machine) uint64 { return m.CPU.DR[7] }},
	lapicReg("LAPIC LVT timer", 0x320), lapicReg("LAPIC spurious vector", 0xF0),
	{"GDTR base", abi.PGKindDescReg, 0, func(m *emu.Machine) uint64 { return m.CPU.GDTR.Base }},
	{"GDTR limit", abi.PGKindDescReg, 0, func(m *emu.Machine) uint64 { return uint64(m.CPU.GDTR.Limit) }},
	{"IDTR base", abi.PGKindDescReg, 0, func(m *emu.Machine) uint64 { return m.CPU.IDTR.Base }},
	{"IDTR limit", abi.PGKindDescReg, 0, func(m *emu.Machine) uint64 { return uint64(m.CPU.IDTR.Limit) }},
	{"TR", abi.PGKindDescReg, 0, func(m *emu.Machine) uint64 { return uint64(m.CPU.TR.Selector) }},
	{"LDTR", abi.PGKindDescReg, 0, func(m *emu.Machine) uint64 { return uint64(m.CPU.LDTR.Selector) }},
}

// regWatch samples watchedRegs once PatchGuard has armed (before, the
// kernel is still setting them up).
type regWatch struct {
	m       *emu.Machine
	armed   bool
	last    []uint64
	lastT   uint64
	changes []RegChange
	// changesDropped counts the oldest changes dropped at the cap.
	changesDropped int
}

func (w *regWatch) arm() {
	w.armed = true
	w.last = make([]uint64, len(watchedRegs))
	for i, r := range watchedRegs {
		w.last[i] = r.read(w.m)
	}
	w.lastT = w.m.Now()
}

// maxRegChanges bounds the register changes a run keeps.
const maxRegChanges = 4096

// sample compares the registers with the previous sample; hostStep > 0
// names a scenario step that wrote them.
func (w *regWatch) sample() { w.sampleBy(0) }

func (w *regWatch) sampleBy(hostStep int) {
	if !w.armed {
		return
	}
	now := w.m.Now()
	for i, r := range watchedRegs {
		v := r.read(w.m)
		if v != w.last[i] {
			c := RegChange{Name: r.name, Old: Hex(w.last[i]), New: Hex(v), From: w.lastT, To: now,
				RIP: Hex(w.m.CPU.RIP), CPL: w.m.CPU.CPL, kind: r.kind, id: r.id}
			if hostStep > 0 {
				c.RIP, c.Where = 0, fmt.Sprintf("host (scenario step %d)", hostStep)
			} else {
				c.Callers = w.driverFrames()
			}
			if len(w.changes) == maxRegChanges {
				// A guest toggling a register forever: keep the latest
				// changes (attribution looks at the last one).
				w.changes = append(w.changes[:0], w.changes[maxRegChanges/2:]...)
				w.changesDropped += maxRegChanges / 2
			}
			w.changes = append(w.changes, c)
			w.last[i] = v
		}
	}
	w.lastT = now
}

// lastChange returns the latest change of a register a region of this kind
// and base names (descriptor-table regions: any descriptor-table register).
func (w *regWatch) lastChange(kind, base uint64) (RegChange, bool) {
	for i := len(w.changes) - 1; i >= 0; i-- {
		c := w.changes[i]
		if c.kind == kind && (kind == abi.PGKindDescReg || c.id == base) {
			return c, true
		}
	}
	return RegChange{}, false
}

// driverFrames scans the top of the kernel stack for addresses in the
// driver area: the sample usually lands in a kernel routine (printk) that
// the writing driver called, and its return address names the driver.
func (w *regWatch) driverFrames() []Hex {
	rsp := w.m.CPU.GPR[4]
	var out []Hex
	var b [8]byte
	// Word by word: the stack ends at an unmapped page.
	for i := uint64(0); i < 4096 && len(out) < 8; i += 8 {
		if w.m.ReadVirt(rsp+i, b[:]) != nil {
			break
		}
		v := binary.LittleEndian.Uint64(b[:])
		if v >= abi.DriverAreaBase && v-abi.DriverAreaBase < abi.DriverAreaSize {
			out = append(out, Hex(v))
		}
	}
	return out
}
