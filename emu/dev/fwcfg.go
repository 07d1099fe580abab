package dev

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// fw_cfg port offsets relative to 0x510 (QEMU docs/specs/fw_cfg.rst).
const (
	FwCfgSelector = 0x0 // 16-bit, little-endian on I/O ports, write-only
	FwCfgData     = 0x1 // 8-bit data register
	FwCfgSize     = 2
)

// fw_cfg well-known keys.
const (
	FwCfgKeySignature = 0x00 // "QEMU"
	FwCfgKeyID        = 0x01 // u32 LE feature bits: 1 = traditional interface
	FwCfgKeyUUID      = 0x02 // 16 bytes
	FwCfgKeyRAMSize   = 0x03 // u64 LE
	FwCfgKeyNoGraphic = 0x04 // u16 LE
	FwCfgKeyNbCPUs    = 0x05 // u16 LE
	FwCfgKeyMaxCPUs   = 0x0F // u16 LE
	FwCfgKeyFileDir   = 0x19 // big-endian directory of named files
	FwCfgFileFirst    = 0x20 // first selector of a named file

	fwCfgEntryMask  = 0x3FFF // selector bits 14 (write) and 15 (arch-local) dropped
	fwCfgArchLocal  = 0x8000 // the architecture's own table: none here, so it reads zeros
	fwCfgMaxPath    = 56     // file name bytes, NUL included
	fwCfgDirEntSize = 64     // u32 size, u16 select, u16 reserved, name[56]
)

// FwCfg is QEMU's firmware configuration device, traditional (non-DMA)
// interface only, at ports 0x510 (selector) and 0x511 (data). Integer items
// are little-endian; the file directory (key 0x19) is big-endian: u32 count,
// then per file u32 size, u16 select, u16 reserved, name[56], sorted by
// name. Reads past an item's end return 0; data writes are ignored.
type FwCfg struct {
	State FwCfgState
}

// FwCfgItem is one selectable blob.
type FwCfgItem struct {
	Key  uint16
	Data []byte
}

// FwCfgFile is a named blob listed in the file directory.
type FwCfgFile struct {
	Name string
	Data []byte
}

// FwCfgState is the FwCfg's snapshot state.
type FwCfgState struct {
	Selector uint16
	Offset   uint32
	Items    []FwCfgItem // fixed keys, sorted by key
	Files    []FwCfgFile // sorted by name; select = FwCfgFileFirst + index
}

// NewFwCfg returns fw_cfg with the signature, ID (traditional interface),
// a zero UUID, the RAM size and the CPU count.
func NewFwCfg(ramBytes uint64, cpus uint16) *FwCfg {
	f := &FwCfg{}
	f.SetItem(FwCfgKeySignature, []byte("QEMU"))
	f.SetItem(FwCfgKeyID, binary.LittleEndian.AppendUint32(nil, 1))
	f.SetItem(FwCfgKeyUUID, make([]byte, 16))
	f.SetItem(FwCfgKeyRAMSize, binary.LittleEndian.AppendUint64(nil, ramBytes))
	f.SetItem(FwCfgKeyNoGraphic, binary.LittleEndian.AppendUint16(nil, 1))
	f.SetItem(FwCfgKeyNbCPUs, binary.LittleEndian.AppendUint16(nil, cpus))
	f.SetItem(FwCfgKeyMaxCPUs, binary.LittleEndian.AppendUint16(nil, cpus))
	f.rebuildDir()
	return f
}

// SetItem sets (or replaces) the blob of a fixed key below FwCfgFileFirst.
func (f *FwCfg) SetItem(key uint16, data []byte) {
	key &= fwCfgEntryMask
	d := append([]byte(nil), data...)
	for i := range f.State.Items {
		if f.State.Items[i].Key == key {
			f.State.Items[i].Data = d
			return
		}
	}
	f.State.Items = append(f.State.Items, FwCfgItem{Key: key, Data: d})
	sort.Slice(f.State.Items, func(i, j int) bool { return f.State.Items[i].Key < f.State.Items[j].Key })
}

// AddFile adds (or replaces) a named file such as "opt/kppemu/seed".
// Selectors are assigned in name order, as the directory lists them.
func (f *FwCfg) AddFile(name string, data []byte) error {
	if name == "" || len(name) >= fwCfgMaxPath {
		return fmt.Errorf("fw_cfg: file name %q must be 1 to %d bytes", name, fwCfgMaxPath-1)
	}
	d := append([]byte(nil), data...)
	replaced := false
	for i := range f.State.Files {
		if f.State.Files[i].Name == name {
			f.State.Files[i].Data = d
			replaced = true
		}
	}
	if !replaced {
		if len(f.State.Files) >= fwCfgEntryMask-FwCfgFileFirst {
			return fmt.Errorf("fw_cfg: too many files")
		}
		f.State.Files = append(f.State.Files, FwCfgFile{Name: name, Data: d})
		sort.Slice(f.State.Files, func(i, j int) bool { return f.State.Files[i].Name < f.State.Files[j].Name })
	}
	f.rebuildDir()
	return nil
}

// rebuildDir regenerates key 0x19 from the file list.
func (f *FwCfg) rebuildDir() {
	dir := binary.BigEndian.AppendUint32(nil, uint32(len(f.State.Files)))
	for i, file := range f.State.Files {
		dir = binary.BigEndian.AppendUint32(dir, uint32(len(file.Data)))
		dir = binary.BigEndian.AppendUint16(dir, uint16(FwCfgFileFirst+i))
		dir = binary.BigEndian.AppendUint16(dir, 0)
		var name [fwCfgMaxPath]byte
		copy(name[:], file.Name)
		dir = append(dir, name[:]...)
	}
	f.SetItem(FwCfgKeyFileDir, dir)
}

// item returns the blob of the selected key (nil when none).
func (f *FwCfg) item(sel uint16) []byte {
	if sel&fwCfgArchLocal != 0 {
		return nil
	}
	key := sel & fwCfgEntryMask
	if key >= FwCfgFileFirst {
		i := int(key - FwCfgFileFirst)
		if i < len(f.State.Files) {
			return f.State.Files[i].Data
		}
		return nil
	}
	for _, it := range f.State.Items {
		if it.Key == key {
			return it.Data
		}
	}
	return nil
}

// ReadPort implements PortDevice. As in QEMU's combined x86 port range,
// a read at either offset reads the data register; wider reads return
// consecutive bytes.
func (f *FwCfg) ReadPort(off uint16, data []byte) {
	blob := f.item(f.State.Selector)
	for i := range data {
		if uint64(f.State.Offset) < uint64(len(blob)) {
			data[i] = blob[f.State.Offset]
			f.State.Offset++
		} else {
			data[i] = 0
		}
	}
}

// WritePort implements PortDevice.
func (f *FwCfg) WritePort(off uint16, data []byte) {
	if off == FwCfgSelector && len(data) == 2 {
		f.State.Selector = uint16(getLE(data))
		f.State.Offset = 0
	}
	// Data writes are ignored (QEMU >= 2.4 without the DMA interface).
}

// SaveState implements Snapshotter.
func (f *FwCfg) SaveState() ([]byte, error) { return saveGob("fw_cfg", &f.State) }

// LoadState implements Snapshotter.
func (f *FwCfg) LoadState(b []byte) error {
	var s FwCfgState
	if err := loadGob("fw_cfg", b, &s); err != nil {
		return err
	}
	f.State = s
	return nil
}
