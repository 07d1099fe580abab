package images

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"testing"
)

func TestList(t *testing.T) {
	list := List()
	if len(list) == 0 || list[0].Kind != KindKernel {
		t.Fatalf("List() = %v, want the kernel first", list)
	}
	for _, img := range list {
		if len(img.Bytes) == 0 {
			t.Errorf("%s is empty", img.Path)
		}
	}
}

// TestKernelMultiboot checks what a Multiboot v1 loader needs: the header in
// the first 8 KiB with a valid checksum and a.out-kludge fields that match
// the ELF load segments (file offsets tracking physical addresses).
func TestKernelMultiboot(t *testing.T) {
	k := Kernel()
	off := -1
	for i := 0; i+12 <= len(k) && i < 8192; i += 4 {
		if binary.LittleEndian.Uint32(k[i:]) == 0x1BADB002 {
			off = i
			break
		}
	}
	if off < 0 {
		t.Fatal("no Multiboot header in the first 8 KiB")
	}
	h := make([]uint32, 8)
	for i := range h {
		h[i] = binary.LittleEndian.Uint32(k[off+4*i:])
	}
	if h[0]+h[1]+h[2] != 0 {
		t.Fatal("bad header checksum")
	}
	if h[1]&(1<<16) == 0 {
		t.Fatal("a.out-kludge flag (bit 16) not set")
	}
	headerAddr, loadAddr, loadEnd, bssEnd, entry := h[3], h[4], h[5], h[6], h[7]
	fileStart := uint32(off) - (headerAddr - loadAddr)
	f, err := elf.NewFile(bytes.NewReader(k))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if uint64(fileStart)+(p.Paddr-uint64(loadAddr)) != p.Off {
			t.Errorf("segment at paddr %#x: file offset %#x does not track the address", p.Paddr, p.Off)
		}
		if p.Paddr+p.Filesz > uint64(loadEnd) && p.Filesz > 0 {
			t.Errorf("segment at %#x extends past load_end_addr %#x", p.Paddr, loadEnd)
		}
		if p.Paddr+p.Memsz > uint64(bssEnd) {
			t.Errorf("segment at %#x extends past bss_end_addr %#x", p.Paddr, bssEnd)
		}
	}
	if entry < loadAddr || entry >= loadEnd {
		t.Errorf("entry %#x outside the image", entry)
	}
	if int(fileStart)+int(loadEnd-loadAddr) > len(k) {
		t.Error("image shorter than load_end_addr says")
	}
}
