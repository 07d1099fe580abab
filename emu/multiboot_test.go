package emu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const testRAM = 16 << 20

// mbHeader returns a Multiboot header with a valid checksum; with aout set
// it carries the address fields.
func mbHeader(flags uint32, addrs ...uint32) []byte {
	b := make([]byte, 12+4*len(addrs))
	binary.LittleEndian.PutUint32(b[0:], MultibootHeaderMagic)
	binary.LittleEndian.PutUint32(b[4:], flags)
	binary.LittleEndian.PutUint32(b[8:], -(MultibootHeaderMagic + flags))
	for i, a := range addrs {
		binary.LittleEndian.PutUint32(b[12+4*i:], a)
	}
	return b
}

// aoutImage is an a.out-kludge kernel: header at file offset 0 loaded at
// 0x100000, code after it, bss to bssEnd.
func aoutImage(code []byte, bssEnd uint32) []byte {
	const load = 0x100000
	h := mbHeader(mbHeaderPageAlign|mbHeaderMemInfo|mbHeaderAout, load, load, 0, bssEnd, load+32)
	return append(h, code...)
}

type testSeg struct {
	paddr, vaddr  uint64
	data          []byte
	memsz         uint64
	typ           uint32
	offsetOveride int64 // when nonzero: p_offset
}

// elfImage builds an ELF32 (class 1) or ELF64 (class 2) executable with a
// Multiboot header (no address fields) at the start of the first segment.
func elfImage(class int, entry uint64, segs []testSeg) []byte {
	ehsize, phsize := 52, 32
	if class == 2 {
		ehsize, phsize = 64, 56
	}
	phoff := ehsize
	dataOff := phoff + phsize*len(segs)
	var body []byte
	offs := make([]int, len(segs))
	for i, s := range segs {
		offs[i] = dataOff + len(body)
		body = append(body, s.data...)
	}
	f := make([]byte, dataOff, dataOff+len(body))
	copy(f, "\x7fELF")
	f[4], f[5], f[6] = byte(class), 1, 1
	le := binary.LittleEndian
	le.PutUint16(f[16:], 2)
	if class == 1 {
		le.PutUint16(f[18:], elfMachine386)
		le.PutUint32(f[20:], 1)
		le.PutUint32(f[24:], uint32(entry))
		le.PutUint32(f[28:], uint32(phoff))
		le.PutUint16(f[40:], uint16(ehsize))
		le.PutUint16(f[42:], uint16(phsize))
		le.PutUint16(f[44:], uint16(len(segs)))
	} else {
		le.PutUint16(f[18:], elfMachineX8664)
		le.PutUint32(f[20:], 1)
		le.PutUint64(f[24:], entry)
		le.PutUint64(f[32:], uint64(phoff))
		le.PutUint16(f[52:], uint16(ehsize))
		le.PutUint16(f[54:], uint16(phsize))
		le.PutUint16(f[56:], uint16(len(segs)))
	}
	for i, s := range segs {
		p := f[phoff+i*phsize:]
		typ := s.typ
		if typ == 0 {
			typ = elfLoadSegment
		}
		off := uint64(offs[i])
		if s.offsetOveride != 0 {
			off = uint64(s.offsetOveride)
		}
		if class == 1 {
			le.PutUint32(p[0:], typ)
			le.PutUint32(p[4:], uint32(off))
			le.PutUint32(p[8:], uint32(s.vaddr))
			le.PutUint32(p[12:], uint32(s.paddr))
			le.PutUint32(p[16:], uint32(len(s.data)))
			le.PutUint32(p[20:], uint32(s.memsz))
		} else {
			le.PutUint32(p[0:], typ)
			le.PutUint64(p[8:], off)
			le.PutUint64(p[16:], s.vaddr)
			le.PutUint64(p[24:], s.paddr)
			le.PutUint64(p[32:], uint64(len(s.data)))
			le.PutUint64(p[40:], s.memsz)
		}
	}
	return append(f, body...)
}

// elfKernel is a typical two-segment kernel (text with the header, data
// with bss) of the given class, identity-mapped or higher-half.
func elfKernel(class int, virtOff uint64) []byte {
	text := append(mbHeader(mbHeaderPageAlign|mbHeaderMemInfo), bytes.Repeat([]byte{0x90}, 100)...)
	data := []byte("data segment")
	return elfImage(class, 0x200000+virtOff+12, []testSeg{
		{paddr: 0x200000, vaddr: 0x200000 + virtOff, data: text, memsz: uint64(len(text))},
		{paddr: 0x201000, vaddr: 0x201000 + virtOff, data: data, memsz: 0x3000},
	})
}

func u32(ram []byte, a uint32) uint32 { return binary.LittleEndian.Uint32(ram[a:]) }

func cstr(ram []byte, a uint32) string {
	end := bytes.IndexByte(ram[a:], 0)
	return string(ram[a : a+uint32(end)])
}

func dirtyRAM(n int) []byte { return bytes.Repeat([]byte{0xAA}, n) }

func TestLoadAout(t *testing.T) {
	ram := dirtyRAM(testRAM)
	code := []byte{0xF4, 0xEB, 0xFD}
	img := aoutImage(code, 0x104000)
	info, err := LoadMultiboot(ram, BootImage{Path: "k.bin", Kernel: img, Append: "a=1 b"})
	require.NoError(t, err)
	require.Equal(t, "a.out-kludge", info.Format)
	require.Equal(t, uint32(0x100020), info.Entry)
	require.Equal(t, uint32(0x100000), info.KernelStart)
	require.Equal(t, uint32(0x104000), info.KernelEnd)
	require.Equal(t, img, ram[0x100000:0x100000+len(img)])
	require.Equal(t, make([]byte, 0x4000-len(img)), ram[0x100000+len(img):0x104000], "bss is zeroed")

	mi := uint32(MultibootInfoAddr)
	require.Equal(t, uint32(0x24F), u32(ram, mi), "flags as QEMU sets them")
	require.Equal(t, uint32(639), u32(ram, mi+4))
	require.Equal(t, uint32((testRAM-0x120000)/1024), u32(ram, mi+8))
	require.Equal(t, uint32(0x8000FFFF), u32(ram, mi+12))
	require.Equal(t, "k.bin a=1 b", cstr(ram, u32(ram, mi+16)))
	require.Equal(t, uint32(0), u32(ram, mi+20))
	require.Equal(t, BootloaderName, cstr(ram, u32(ram, mi+64)))
	require.Equal(t, uint32(7*24), u32(ram, mi+44))
	require.Equal(t, uint32(MultibootMmapAddr), u32(ram, mi+48))
}

func TestLoadAoutLoadEnd(t *testing.T) {
	// load_end_addr stops the copy; the rest is bss.
	const load = 0x100000
	img := append(mbHeader(mbHeaderAout, load, load, load+40, load+0x2000, load), bytes.Repeat([]byte{0x11}, 100)...)
	ram := dirtyRAM(testRAM)
	info, err := LoadMultiboot(ram, BootImage{Path: "k", Kernel: img})
	require.NoError(t, err)
	require.Equal(t, img[:40], ram[load:load+40])
	require.Equal(t, make([]byte, 0x2000-40), ram[load+40:load+0x2000])
	require.Equal(t, uint32(load+0x2000), info.KernelEnd)

	// The header later in the file, with load_addr before the header.
	img2 := append(make([]byte, 0x40), mbHeader(mbHeaderAout, load+0x40, load, 0, 0, load+0x40)...)
	img2 = append(img2, 0xF4)
	ram = dirtyRAM(testRAM)
	info, err = LoadMultiboot(ram, BootImage{Path: "k", Kernel: img2})
	require.NoError(t, err)
	require.Equal(t, img2, ram[load:load+len(img2)])
	require.Equal(t, uint32(load+len(img2)), info.KernelEnd)
}

func TestLoadELF(t *testing.T) {
	for _, tc := range []struct {
		name    string
		class   int
		virtOff uint64
		format  string
	}{
		{"elf32", 1, 0, "elf32"},
		{"elf64", 2, 0, "elf64"},
		{"elf64-higher-half", 2, 0xFFFFFFFF80000000, "elf64"},
		{"elf32-higher-half", 1, 0xC0000000, "elf32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ram := dirtyRAM(testRAM)
			img := elfKernel(tc.class, tc.virtOff)
			info, err := LoadMultiboot(ram, BootImage{Path: "/boot/kernel.elf", Kernel: img})
			require.NoError(t, err)
			require.Equal(t, tc.format, info.Format)
			require.Equal(t, uint32(0x20000c), info.Entry, "entry translated to its physical address")
			require.Equal(t, uint32(0x200000), info.KernelStart)
			require.Equal(t, uint32(0x204000), info.KernelEnd)
			require.Equal(t, uint32(MultibootHeaderMagic), u32(ram, 0x200000))
			require.Equal(t, "data segment", string(ram[0x201000:0x20100c]))
			require.Equal(t, make([]byte, 0x3000-12), ram[0x20100c:0x204000], "bss zeroed")
			require.Equal(t, "/boot/kernel.elf ", cstr(ram, u32(ram, MultibootInfoAddr+16)), "QEMU's '<path> <append>' with an empty append")
		})
	}
}

func TestLoadModules(t *testing.T) {
	ram := dirtyRAM(testRAM)
	img := elfKernel(1, 0)
	m1 := bytes.Repeat([]byte{1}, 5000)
	m2 := []byte("KEY=VALUE\n")
	info, err := LoadMultiboot(ram, BootImage{Path: "kernel", Kernel: img, Append: "x",
		Modules: []BootModule{{Cmdline: "drv1.ko arg=1", Data: m1}, {Cmdline: "drv2.ko", Data: m2}, {Cmdline: "empty", Data: nil}}})
	require.NoError(t, err)
	mi := uint32(MultibootInfoAddr)
	require.Equal(t, uint32(3), u32(ram, mi+20))
	list := u32(ram, mi+24)
	require.Equal(t, uint32(0x204000), list, "module list right after the page-aligned kernel")
	// QEMU's layout: list, command lines, name in one page-aligned block,
	// then the modules each page-aligned.
	starts := []uint32{0x205000, 0x207000, 0x208000}
	sizes := []int{len(m1), len(m2), 0}
	cmds := []string{"drv1.ko arg=1", "drv2.ko", "empty"}
	for i := range 3 {
		e := list + uint32(16*i)
		require.Equal(t, starts[i], u32(ram, e), "module %d start", i)
		require.Equal(t, starts[i]+uint32(sizes[i]), u32(ram, e+4), "module %d end", i)
		require.Equal(t, cmds[i], cstr(ram, u32(ram, e+8)))
		require.Equal(t, LoadedModule{Start: starts[i], End: starts[i] + uint32(sizes[i]), Cmdline: cmds[i]}, info.Modules[i])
	}
	require.Equal(t, m1, ram[0x205000:0x205000+len(m1)])
	require.Equal(t, m2, ram[0x207000:0x207000+len(m2)])
	// Command lines: the modules' first, then the kernel's.
	require.Equal(t, list+48, u32(ram, list+8))
	require.Equal(t, "kernel x", cstr(ram, u32(ram, mi+16)))
	require.Equal(t, list+48+uint32(len("drv1.ko arg=1 drv2.ko empty ")), u32(ram, mi+16))
}

func TestMemoryMap(t *testing.T) {
	ram := dirtyRAM(128 << 20)
	_, err := LoadMultiboot(ram, BootImage{Path: "k", Kernel: elfKernel(1, 0)})
	require.NoError(t, err)
	// What QEMU 7.2 (SeaBIOS e820, -cpu max) reports for -m 128.
	want := []MemoryRegion{
		{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2},
		{0x100000, 0x7ee0000, 1}, {0x7fe0000, 0x20000, 2},
		{0xfffc0000, 0x40000, 2}, {0xfd00000000, 0x300000000, 2},
	}
	require.Equal(t, want, MemoryMap(128<<20))
	for i, r := range want {
		e := MultibootMmapAddr + 24*i
		require.Equal(t, uint32(20), binary.LittleEndian.Uint32(ram[e:]))
		require.Equal(t, r.Base, binary.LittleEndian.Uint64(ram[e+4:]))
		require.Equal(t, r.Length, binary.LittleEndian.Uint64(ram[e+12:]))
		require.Equal(t, r.Type, binary.LittleEndian.Uint32(ram[e+20:]))
	}
	require.Equal(t, uint32(0x1fb80), u32(ram, MultibootInfoAddr+8), "mem_upper as QEMU reports for 128 MiB")
}

func TestLoadTestGuest(t *testing.T) {
	k, err := os.ReadFile(testGuest)
	require.NoError(t, err)
	info, err := LoadMultiboot(make([]byte, testRAM), BootImage{Path: testGuest, Kernel: k})
	require.NoError(t, err)
	require.Equal(t, "elf32", info.Format)
	require.Equal(t, uint32(0x100000), info.KernelStart)
}

func TestLoadRefused(t *testing.T) {
	good := elfKernel(1, 0)
	truncate := func(b []byte, n int) []byte { return append([]byte(nil), b[:n]...) }
	badSum := mbHeader(0)
	badSum[8]++
	const load = 0x100000
	for _, tc := range []struct {
		name string
		img  []byte
		mods []BootModule
		want string
	}{
		{"empty file", nil, nil, "truncated"},
		{"no header", bytes.Repeat([]byte{0x90}, 9000), nil, "no Multiboot header"},
		{"header past 8 KiB", append(make([]byte, 8192), mbHeader(0)...), nil, "no Multiboot header"},
		{"bad checksum", append(badSum, make([]byte, 100)...), nil, "bad checksum"},
		{"not ELF without address fields", append(mbHeader(0), make([]byte, 100)...), nil, "not an ELF file"},
		{"a.out fields truncated", mbHeader(mbHeaderAout, load), nil, "truncated"},
		{"a.out header below load", append(mbHeader(mbHeaderAout, load, load+16, 0, 0, load+16), 0), nil, "below load_addr"},
		{"a.out load before file", append(mbHeader(mbHeaderAout, load+64, load, 0, 0, load+64), 0), nil, "before the file"},
		{"a.out load_end past file", append(mbHeader(mbHeaderAout, load, load, load+0x1000, 0, load), 0), nil, "truncated"},
		{"a.out load_end below load", append(mbHeader(mbHeaderAout, load, load, load-1, 0, load), 0), nil, "below load_addr"},
		{"a.out bss below end", append(mbHeader(mbHeaderAout, load, load, 0, load+4, load), make([]byte, 64)...), nil, "bss_end_addr"},
		{"a.out entry outside", append(mbHeader(mbHeaderAout, load, load, 0, 0, 0x500000), 0), nil, "entry_addr"},
		{"a.out outside RAM", append(mbHeader(mbHeaderAout, 0xFFFF0000, 0xFFFF0000, 0, 0, 0xFFFF0000), 0), nil, "outside RAM"},
		{"a.out bss outside RAM", append(mbHeader(mbHeaderAout, load, load, 0, 0x2000000, load), 0), nil, "outside RAM"},
		{"ELF header truncated", truncate(good, 40), nil, "truncated"},
		{"ELF program headers truncated", truncate(good, 60), nil, "truncated"},
		{"ELF segment data truncated", truncate(good, len(good)-5), nil, "truncated"},
		{"ELF segment outside RAM", elfImage(1, 0x100000, []testSeg{{paddr: 0xF00000, data: mbHeader(0), memsz: 0x200000}}), nil, "outside RAM"},
		{"ELF64 segment above 4 GiB", elfImage(2, 0x100000, []testSeg{{paddr: 1 << 40, data: mbHeader(0), memsz: 16}}), nil, "outside RAM"},
		{"ELF64 entry above 4 GiB", elfImage(2, 1<<40, []testSeg{{paddr: 0x100000, vaddr: 0x100000, data: mbHeader(0), memsz: 16}}), nil, "entry point"},
		{"ELF filesz above memsz", elfImage(1, 0x100000, []testSeg{{paddr: 0x100000, data: mbHeader(0), memsz: 4}}), nil, "exceeds memory size"},
		{"ELF overlapping segments", elfImage(1, 0x100000, []testSeg{
			{paddr: 0x100000, data: mbHeader(0), memsz: 0x2000},
			{paddr: 0x101000, data: []byte{1}, memsz: 0x10}}), nil, "overlaps segment"},
		{"ELF no PT_LOAD", elfImage(1, 0x100000, []testSeg{{paddr: 0x100000, data: mbHeader(0), memsz: 16, typ: 4}}), nil, "no loadable"},
		{"ELF offset past file", elfImage(1, 0x100000, []testSeg{{paddr: 0x100000, data: mbHeader(0), memsz: 16, offsetOveride: 1 << 30}}), nil, "truncated"},
		{"ELF big-endian", func() []byte { b := append([]byte(nil), good...); b[5] = 2; return b }(), nil, "little-endian"},
		{"ELF bad class", func() []byte { b := append([]byte(nil), good...); b[4] = 3; return b }(), nil, "ELF class"},
		{"ELF bad machine", func() []byte { b := append([]byte(nil), good...); b[18] = 40; return b }(), nil, "ELF machine"},
		{"module too big", good, []BootModule{{Cmdline: "big.ko x", Data: make([]byte, testRAM)}}, "big.ko: module 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMultiboot(make([]byte, testRAM), BootImage{Path: "img/kernel", Kernel: tc.img, Modules: tc.mods})
			require.Error(t, err)
			var le *LoadError
			require.True(t, errors.As(err, &le))
			if len(tc.mods) == 0 {
				require.True(t, strings.HasPrefix(err.Error(), "img/kernel: "), "error names the file: %v", err)
			}
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestLoadBelowInfoArea: a kernel at 32 KiB covers the memory map and the
// information structure. QEMU boots it: its option ROM writes them first and
// the kernel over them, EBX still pointing at 0x9500 (observed on QEMU 7.2
// with a probe that printed EBX and the structure's fields).
func TestLoadBelowInfoArea(t *testing.T) {
	const load = 0x8000
	code := bytes.Repeat([]byte{0xF4}, 0x1800) // hlt, through 0x9800
	img := append(mbHeader(mbHeaderAout, load, load, 0, load+0x2000, load+32), code...)
	ram := make([]byte, testRAM)
	info, err := LoadMultiboot(ram, BootImage{Path: "low", Kernel: img, Append: "a b",
		Modules: []BootModule{{Cmdline: "m x", Data: []byte("module")}}})
	require.NoError(t, err)
	require.Equal(t, uint32(MultibootInfoAddr), info.InfoAddr)
	require.Equal(t, uint32(load), info.KernelStart)
	// The kernel's bytes won over the structure and the map.
	require.Equal(t, byte(0xF4), ram[MultibootInfoAddr])
	require.Equal(t, byte(0xF4), ram[MultibootMmapAddr])
	// bss zeroed, then the module list and command lines after the kernel.
	require.Equal(t, byte(0), ram[0x9900])
	require.Equal(t, uint32(0xB000), binary.LittleEndian.Uint32(ram[0xA000:]))
	require.Equal(t, "m x", cString(ram[binary.LittleEndian.Uint32(ram[0xA008:]):]))
	require.Equal(t, "module", string(ram[0xB000:0xB006]))
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func TestLoadRAMSize(t *testing.T) {
	_, err := LoadMultiboot(make([]byte, 1<<20), BootImage{Path: "k", Kernel: elfKernel(1, 0)})
	require.ErrorContains(t, err, "RAM size")
}

// FuzzLoadMultiboot feeds arbitrary files to the loader: it must refuse or
// load them without panicking, and what it loads must lie in RAM.
func FuzzLoadMultiboot(f *testing.F) {
	f.Add(aoutImage([]byte{0xF4}, 0x102000))
	f.Add(elfKernel(1, 0))
	f.Add(elfKernel(2, 0xFFFFFFFF80000000))
	if k, err := os.ReadFile(testGuest); err == nil {
		f.Add(k)
	}
	ram := make([]byte, 4<<20)
	f.Fuzz(func(t *testing.T, img []byte) {
		info, err := LoadMultiboot(ram, BootImage{Path: "fuzz", Kernel: img, Append: "a",
			Modules: []BootModule{{Cmdline: "m", Data: img[:min(len(img), 100)]}}})
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || le.File == "" {
				t.Fatalf("error is not a LoadError naming the file: %v", err)
			}
			return
		}
		if uint64(info.KernelEnd) > uint64(len(ram)) || info.KernelStart > info.KernelEnd {
			t.Fatalf("kernel [%#x, %#x) outside RAM", info.KernelStart, info.KernelEnd)
		}
		for _, m := range info.Modules {
			if uint64(m.End) > uint64(len(ram)) || m.Start < info.KernelEnd {
				t.Fatalf("module [%#x, %#x) misplaced", m.Start, m.End)
			}
		}
	})
}
