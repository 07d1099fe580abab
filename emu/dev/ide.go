package dev

// The PIIX3's legacy IDE channels as QEMU's pc machine presents them
// without drives on the command line: an empty primary channel and an
// ATAPI CD-ROM with no medium as the secondary master. A guest's ATA
// driver sees the task-file registers, drive selection, the device
// signatures, IDENTIFY (PACKET) DEVICE, the ATAPI packet protocol with the
// sense data of an empty drive, and IRQ 14/15; every value here was read
// on QEMU 7.2 by a probe image (emu/testdata/ideprobe.S).

// Legacy ports of the two channels: eight command-block registers and the
// device control / alternate status register of each.
const (
	IDEPrimaryBase     = 0x1F0
	IDEPrimaryCtl      = 0x3F6
	IDESecondaryBase   = 0x170
	IDESecondaryCtl    = 0x376
	IDECommandSize     = 8
	IDEPrimaryIRQ      = 14
	IDESecondaryIRQ    = 15
	ideRegData         = 0
	ideRegError        = 1 // read; features on write
	ideRegNSector      = 2
	ideRegSector       = 3
	ideRegLCyl         = 4
	ideRegHCyl         = 5
	ideRegSelect       = 6
	ideRegStatus       = 7 // read; command on write
	ideCtlNIEN         = 0x02
	ideCtlSRST         = 0x04
	ideStatusERR       = 0x01
	ideStatusDRQ       = 0x08
	ideStatusDSC       = 0x10
	ideStatusDRDY      = 0x40
	ideStatusBSY       = 0x80
	ideErrorABRT       = 0x04
	ideSelectAlwaysOn  = 0xA0
	ideSelectSlave     = 0x10
	atapiPacketSize    = 12
	atapiReasonCoD     = 0x01
	atapiReasonIO      = 0x02
	senseNotReady      = 0x02
	senseIllegal       = 0x05
	ascMediumNotThere  = 0x3A
	ascInvalidOpcode   = 0x20
	ideIdentifyWords   = 256
	ideTransferMaxSize = 0x10000
)

// Drive kinds.
const (
	IDENone  = 0
	IDECDROM = 1
)

// IDEDrive is one drive position's registers and transfer state. An absent
// position keeps registers too (QEMU's model): writes reach both, only what
// reads show differs.
type IDEDrive struct {
	Kind                           uint8
	Error, Feature, NSector        uint8
	Sector, LCyl, HCyl             uint8
	Select, Status                 uint8
	Buf                            []byte // the PIO data of the current transfer
	Pos                            int
	Packet                         bool   // collecting an ATAPI packet
	ATAPI                          bool   // the data phase of an ATAPI command
	Limit                          int    // ATAPI byte count limit
	Left                           []byte // ATAPI data not yet in Buf
	SenseKey, ASC                  uint8
	XferMode62, XferMode63, Mode88 uint16 // IDENTIFY PACKET words the transfer mode sets
}

// IDEChannelState is a channel's state.
type IDEChannelState struct {
	Drives [2]IDEDrive
	Unit   uint8 // the selected drive
	Ctl    uint8 // the device control register
	IRQ    bool
}

// IDEChannel is one legacy IDE channel: its command block (Command, 8
// ports) and its control register (Control, 1 port).
type IDEChannel struct {
	State IDEChannelState
	irq   IRQLine
}

// NewIDEPrimary returns the primary channel with no drives, as the firmware
// leaves it.
func NewIDEPrimary(irq IRQLine) *IDEChannel {
	c := &IDEChannel{irq: irq}
	for i := range c.State.Drives {
		c.State.Drives[i].Select = ideSelectAlwaysOn | uint8(i)<<4
	}
	return c
}

// NewIDESecondary returns the secondary channel with a CD-ROM without a
// medium as master, as SeaBIOS leaves it after probing: the slave position
// selected, the master ready.
func NewIDESecondary(irq IRQLine) *IDEChannel {
	c := NewIDEPrimary(irq)
	d := &c.State.Drives[0]
	d.Kind = IDECDROM
	d.Status = ideStatusDRDY | ideStatusDSC
	d.XferMode62, d.XferMode63, d.Mode88 = 0x0007, 0x0007, 0x203F
	c.State.Unit = 1
	return c
}

// Control returns the device control / alternate status port.
func (c *IDEChannel) Control() PortDevice { return ideControl{c} }

func (c *IDEChannel) empty() bool {
	return c.State.Drives[0].Kind == IDENone && c.State.Drives[1].Kind == IDENone
}

func (c *IDEChannel) cur() *IDEDrive { return &c.State.Drives[c.State.Unit&1] }

// absent: the selected position has no drive (reads of error and status
// give 0 there).
func (c *IDEChannel) absent() bool { return c.empty() || c.cur().Kind == IDENone }

func (c *IDEChannel) raise() {
	if c.State.Ctl&ideCtlNIEN == 0 {
		c.State.IRQ = true
		c.irq.SetIRQ(true)
	}
}

func (c *IDEChannel) lower() {
	if c.State.IRQ {
		c.State.IRQ = false
		c.irq.SetIRQ(false)
	}
}

// ReadPort implements PortDevice for the command block.
func (c *IDEChannel) ReadPort(off uint16, data []byte) {
	if off == ideRegData {
		c.readData(data)
		return
	}
	d := c.cur()
	var v uint8
	switch off {
	case ideRegError:
		if !c.absent() {
			v = d.Error
		}
	case ideRegNSector, ideRegSector, ideRegLCyl, ideRegHCyl, ideRegSelect:
		if !c.empty() {
			v = [...]uint8{d.NSector, d.Sector, d.LCyl, d.HCyl, d.Select}[off-ideRegNSector]
		}
	case ideRegStatus:
		if !c.absent() {
			v = d.Status
		}
		c.lower()
	}
	fill(data, v)
}

// WritePort implements PortDevice for the command block.
func (c *IDEChannel) WritePort(off uint16, data []byte) {
	if off == ideRegData {
		c.writeData(data)
		return
	}
	v := data[0]
	s := &c.State
	switch off {
	case ideRegError:
		s.Drives[0].Feature, s.Drives[1].Feature = v, v
	case ideRegNSector:
		s.Drives[0].NSector, s.Drives[1].NSector = v, v
	case ideRegSector:
		s.Drives[0].Sector, s.Drives[1].Sector = v, v
	case ideRegLCyl:
		s.Drives[0].LCyl, s.Drives[1].LCyl = v, v
	case ideRegHCyl:
		s.Drives[0].HCyl, s.Drives[1].HCyl = v, v
	case ideRegSelect:
		s.Drives[0].Select = v&^ideSelectSlave | ideSelectAlwaysOn
		s.Drives[1].Select = v | ideSelectSlave | ideSelectAlwaysOn
		s.Unit = v >> 4 & 1
	case ideRegStatus:
		c.command(v)
	}
}

// readData reads the data register: the next bytes of a PIO transfer while
// DRQ is set, zeros otherwise.
func (c *IDEChannel) readData(data []byte) {
	d := c.cur()
	for i := range data {
		data[i] = 0
	}
	if d.Status&ideStatusDRQ == 0 || d.Packet || c.absent() {
		return
	}
	n := copy(data, d.Buf[min(d.Pos, len(d.Buf)):])
	d.Pos += max(n, len(data))
	if d.Pos >= len(d.Buf) {
		c.transferDone(d)
	}
}

// writeData takes ATAPI packet bytes; other writes are dropped (no PIO-out
// command is accepted without a medium).
func (c *IDEChannel) writeData(data []byte) {
	d := c.cur()
	if !d.Packet || d.Status&ideStatusDRQ == 0 || c.absent() {
		return
	}
	for _, b := range data {
		if d.Pos < atapiPacketSize {
			d.Buf[d.Pos] = b
			d.Pos++
		}
	}
	if d.Pos >= atapiPacketSize {
		d.Packet = false
		c.atapi(d, d.Buf[:atapiPacketSize])
	}
}

// transferDone ends a PIO data block: the next ATAPI block, the ATAPI
// command's completion, or the end of IDENTIFY PACKET DEVICE's data.
func (c *IDEChannel) transferDone(d *IDEDrive) {
	d.Buf, d.Pos = nil, 0
	if !d.ATAPI {
		d.Status &^= ideStatusDRQ
		return
	}
	if len(d.Left) > 0 {
		c.atapiBlock(d)
		return
	}
	c.atapiOK(d)
}

// signature puts the device signature in the count and LBA registers.
func (d *IDEDrive) signature() {
	d.Select &^= 0x0F
	d.NSector, d.Sector = 1, 1
	switch d.Kind {
	case IDECDROM:
		d.LCyl, d.HCyl = 0x14, 0xEB
	default:
		d.LCyl, d.HCyl = 0xFF, 0xFF
	}
}

func (d *IDEDrive) abort() {
	d.Buf, d.Pos, d.Packet, d.ATAPI, d.Left = nil, 0, false, false, nil
	d.Status = ideStatusDRDY | ideStatusERR
	d.Error = ideErrorABRT
}

// reset is a drive's power-on or software reset: the ATAPI state goes.
func (d *IDEDrive) reset() {
	d.Buf, d.Pos, d.Packet, d.ATAPI, d.Left = nil, 0, false, false, nil
	d.SenseKey, d.ASC = 0, 0
	d.Error, d.Feature = 0, 0
	d.signature()
}

// command runs an ATA command written to the command register.
func (c *IDEChannel) command(cmd uint8) {
	d := c.cur()
	if d.Kind == IDENone {
		// An absent slave ignores commands; on a channel without drives
		// the master position aborts every command with an interrupt,
		// which reads cannot show.
		if c.State.Unit == 0 {
			c.raise()
		}
		return
	}
	if d.Status&(ideStatusBSY|ideStatusDRQ) != 0 && cmd != 0x08 {
		return
	}
	switch cmd {
	case 0x08: // DEVICE RESET
		d.reset()
		d.Status = 0
	case 0x90: // EXECUTE DEVICE DIAGNOSTIC
		d.signature()
		d.Error, d.Status = 0x01, 0
	case 0xEC, 0x20, 0x21, 0x24, 0xC4, 0x29: // IDENTIFY DEVICE, reads: not for a packet device
		d.signature()
		d.abort()
		c.raise()
	case 0xA1: // IDENTIFY PACKET DEVICE
		d.Error = 0
		d.Buf, d.Pos, d.ATAPI = d.identifyPacket(), 0, false
		d.Status = ideStatusDRDY | ideStatusDSC | ideStatusDRQ
		c.raise()
	case 0xA0: // PACKET
		d.Error = 0
		d.Buf, d.Pos, d.Packet, d.ATAPI = make([]byte, atapiPacketSize), 0, true, false
		d.Limit = int(d.LCyl) | int(d.HCyl)<<8
		d.NSector = atapiReasonCoD
		d.Status = ideStatusDRDY | ideStatusDSC | ideStatusDRQ
	case 0xEF: // SET FEATURES
		if !d.setFeatures() {
			d.abort()
		} else {
			d.Error, d.Status = 0, ideStatusDRDY|ideStatusDSC
		}
		c.raise()
	default:
		d.abort()
		c.raise()
	}
}

// setFeatures applies SET FEATURES; false for a subcommand the drive
// refuses.
func (d *IDEDrive) setFeatures() bool {
	switch d.Feature {
	case 0x02, 0x82, 0xAA, 0x55, 0x05, 0x85, 0x69, 0x67, 0x96, 0x9A, 0x42, 0xC2, 0xCC, 0x66:
		return true
	case 0x03: // set transfer mode (count: mode<<3 | value)
		val := uint16(d.NSector & 7)
		d.XferMode62, d.XferMode63, d.Mode88 = 0x07, 0x07, 0x3F
		switch d.NSector >> 3 {
		case 0x00, 0x01: // PIO
		case 0x02: // single-word DMA
			d.XferMode62 |= 1 << (val + 8)
		case 0x04: // multiword DMA
			d.XferMode63 |= 1 << (val + 8)
		case 0x08: // Ultra DMA
			d.Mode88 |= 1 << (val + 8)
		default:
			return false
		}
		return true
	}
	return false
}

// identifyPacket returns IDENTIFY PACKET DEVICE's 512 bytes for the CD-ROM
// at the secondary master: words as QEMU 7.2 returns them (serial QM00003,
// firmware 2.5+, model "QEMU DVD-ROM"), the transfer-mode words as SET
// FEATURES left them.
func (d *IDEDrive) identifyPacket() []byte {
	w := make([]uint16, ideIdentifyWords)
	w[0] = 0x85C0 // ATAPI, CD-ROM, removable, 50 us DRQ, 12-byte packets
	putATAString(w[10:20], "QM00003")
	w[20], w[21], w[22] = 0x0003, 0x0200, 0x0004
	putATAString(w[23:27], "2.5+")
	putATAString(w[27:47], "QEMU DVD-ROM")
	w[48], w[49], w[53] = 0x0001, 0x0300, 0x0007
	w[62], w[63], w[64] = d.XferMode62, d.XferMode63, 0x0003
	w[65], w[66], w[67], w[68] = 0x00B4, 0x00B4, 0x012C, 0x00B4
	w[71], w[72], w[80], w[88] = 0x001E, 0x001E, 0x001E, d.Mode88
	b := make([]byte, 2*ideIdentifyWords)
	for i, v := range w {
		b[2*i], b[2*i+1] = byte(v), byte(v>>8)
	}
	return b
}

// putATAString stores s space-padded, two characters a word, the first in
// the high byte (ATA string order).
func putATAString(w []uint16, s string) {
	for i := range w {
		hi, lo := byte(' '), byte(' ')
		if 2*i < len(s) {
			hi = s[2*i]
		}
		if 2*i+1 < len(s) {
			lo = s[2*i+1]
		}
		w[i] = uint16(hi)<<8 | uint16(lo)
	}
}

// atapi runs a SCSI command packet on the CD-ROM without a medium.
func (c *IDEChannel) atapi(d *IDEDrive, p []byte) {
	switch op := p[0]; op {
	case 0x03: // REQUEST SENSE
		s := make([]byte, 18)
		s[0], s[2], s[7], s[12] = 0xF0, d.SenseKey, 10, d.ASC
		c.atapiReply(d, s, int(p[4]))
	case 0x12: // INQUIRY
		q := []byte{0x05, 0x80, 0x00, 0x21, 0x1F, 0, 0, 0}
		q = append(q, "QEMU    QEMU DVD-ROM    2.5+"...)
		c.atapiReply(d, q, int(p[4]))
	case 0x1B, 0x1E, 0xBB: // START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, SET CD SPEED
		c.atapiOK(d)
	case 0x00, 0x25, 0x28, 0xA8, 0x2B, 0x43, 0x42, 0x44, 0x51, 0xAD, 0xBE, 0xB9: // need a medium
		c.atapiError(d, senseNotReady, ascMediumNotThere)
	default:
		c.atapiError(d, senseIllegal, ascInvalidOpcode)
	}
}

func (c *IDEChannel) atapiError(d *IDEDrive, key, asc uint8) {
	d.Buf, d.Pos, d.ATAPI, d.Left = nil, 0, false, nil
	d.SenseKey, d.ASC = key, asc
	d.Error = key << 4
	d.Status = ideStatusDRDY | ideStatusERR
	d.NSector = d.NSector&^7 | atapiReasonIO | atapiReasonCoD
	c.raise()
}

func (c *IDEChannel) atapiOK(d *IDEDrive) {
	d.Buf, d.Pos, d.ATAPI, d.Left = nil, 0, false, nil
	d.Error = 0
	d.Status = ideStatusDRDY | ideStatusDSC
	d.NSector = d.NSector&^7 | atapiReasonIO | atapiReasonCoD
	c.raise()
}

// atapiReply starts the data-in phase of at most alloc bytes of data.
func (c *IDEChannel) atapiReply(d *IDEDrive, data []byte, alloc int) {
	if alloc < len(data) {
		data = data[:alloc]
	}
	if len(data) == 0 {
		c.atapiOK(d)
		return
	}
	d.Left, d.ATAPI = data, true
	c.atapiBlock(d)
}

// atapiBlock offers the next block of ATAPI data, at most the byte count
// limit (made even; 0 means the largest).
func (c *IDEChannel) atapiBlock(d *IDEDrive) {
	limit := d.Limit &^ 1
	if limit == 0 {
		limit = ideTransferMaxSize - 2
	}
	n := min(len(d.Left), limit)
	d.Buf, d.Pos, d.Left = d.Left[:n], 0, d.Left[n:]
	d.LCyl, d.HCyl = uint8(n), uint8(n>>8)
	d.NSector = d.NSector&^7 | atapiReasonIO
	d.Status = ideStatusDRDY | ideStatusDSC | ideStatusDRQ
	c.raise()
}

// writeControl is a write of the device control register: SRST's rising
// edge resets both drives (with an interrupt unless nIEN).
func (c *IDEChannel) writeControl(v uint8) {
	old := c.State.Ctl
	c.State.Ctl = v
	if old&ideCtlSRST == 0 && v&ideCtlSRST != 0 {
		for i := range c.State.Drives {
			d := &c.State.Drives[i]
			d.reset()
			d.Error = 0
			if d.Kind == IDECDROM {
				d.Error = 0x01
			}
			d.Status = 0
		}
		c.raise()
	}
}

// SaveState implements Snapshotter.
func (c *IDEChannel) SaveState() ([]byte, error) { return saveGob("ide", &c.State) }

// LoadState implements Snapshotter; the interrupt line is driven to the
// restored level.
func (c *IDEChannel) LoadState(b []byte) error {
	if err := loadGob("ide", b, &c.State); err != nil {
		return err
	}
	for i := range c.State.Drives {
		d := &c.State.Drives[i]
		if d.Pos < 0 || d.Pos > len(d.Buf) || d.Limit < 0 {
			return errIDEState
		}
	}
	c.irq.SetIRQ(c.State.IRQ)
	return nil
}

type ideError string

func (e ideError) Error() string { return string(e) }

const errIDEState = ideError("ide: load state: transfer position outside its buffer")

// ideControl is the device control (write) / alternate status (read) port.
type ideControl struct{ c *IDEChannel }

func (p ideControl) ReadPort(off uint16, data []byte) {
	var v uint8
	if !p.c.absent() {
		v = p.c.cur().Status
	}
	fill(data, v)
}

func (p ideControl) WritePort(off uint16, data []byte) { p.c.writeControl(data[0]) }
