// Package sign writes and checks driver signatures (docs/vendorapi.md
// "Signing"): an ELF section abi.SigSectionName of abi.SigSize bytes in a
// driver image holding abi.SigMagic, the key name and an HMAC-SHA-256 over
// the whole file with the 32 MAC bytes zeroed, keyed with a vendor key from
// Keys. The guest kernel gets the same key list as vendorapi/keys.c
// (`go generate ./images/sign`).
package sign

//go:generate go run ./kppsign -gen-keys ../../vendorapi/keys.c

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kppemu/kppemu/kernel/abi"
)

// Key is a vendor signing key compiled into the kernel.
type Key struct {
	Name   string
	Secret [32]byte
}

// Keys is the kernel's key list. The secrets are derived from the names:
// this is a test PKI, not a secret one.
var Keys = []Key{
	derive("kpp-test"),      // the kernel team's key: every driver in images/bin
	derive("vendor-sample"), // the sample security vendor
}

func derive(name string) Key {
	return Key{Name: name, Secret: sha256.Sum256([]byte("kppemu vendor signing key: " + name))}
}

// Lookup returns the key with that name.
func Lookup(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

const (
	ehdrSize     = 64
	shdrSize     = 64
	shtNull      = 0
	shtProgbits  = 1
	shtNobits    = 8
	shnLoReserve = 0xFF00 // section indices from here on are special (SHN_LORESERVE)
)

type shdr struct {
	Name, Type                uint32
	Flags, Addr, Offset, Size uint64
	Link, Info                uint32
	Addralign, Entsize        uint64
}

type image struct {
	b       []byte
	shoff   uint64
	shnum   int
	shstrnd int
	sh      []shdr
}

// parse reads the ELF header and the section header table and checks that
// every section's bytes and the section name table lie inside the file, so
// that nothing after it indexes out of range. Errors name the offending
// header and its file offset.
func parse(b []byte) (*image, error) {
	if len(b) < ehdrSize || !bytes.Equal(b[:4], []byte("\x7fELF")) || b[4] != 2 || b[5] != 1 {
		return nil, errors.New("not an ELF64 little-endian file")
	}
	le := binary.LittleEndian
	im := &image{b: b, shoff: le.Uint64(b[0x28:]), shnum: int(le.Uint16(b[0x3C:])), shstrnd: int(le.Uint16(b[0x3E:]))}
	switch {
	case le.Uint16(b[0x3A:]) != shdrSize:
		return nil, fmt.Errorf("ELF header at offset 0x3a: section header size %d, want %d", le.Uint16(b[0x3A:]), shdrSize)
	case im.shnum == 0:
		return nil, errors.New("ELF header at offset 0x3c: no section headers")
	case im.shnum >= shnLoReserve:
		return nil, fmt.Errorf("ELF header at offset 0x3c: %d section headers, at most %d", im.shnum, shnLoReserve-1)
	case im.shstrnd >= im.shnum:
		return nil, fmt.Errorf("ELF header at offset 0x3e: section name table index %d, but only %d sections", im.shstrnd, im.shnum)
	}
	end := im.shoff + uint64(im.shnum)*shdrSize
	if im.shoff > uint64(len(b)) || end > uint64(len(b)) || end < im.shoff {
		return nil, fmt.Errorf("ELF header at offset 0x28: section header table [%#x, %#x) beyond the end of the file (%#x bytes)",
			im.shoff, end, len(b))
	}
	for i := 0; i < im.shnum; i++ {
		at := im.shoff + uint64(i)*shdrSize
		var s shdr
		if err := binary.Read(bytes.NewReader(b[at:at+shdrSize]), le, &s); err != nil {
			return nil, fmt.Errorf("section header %d at offset %#x: %v", i, at, err)
		}
		if s.Type != shtNull && s.Type != shtNobits && (s.Offset > uint64(len(b)) || s.Size > uint64(len(b))-s.Offset) {
			return nil, fmt.Errorf("section header %d at offset %#x: data [%#x, +%#x) beyond the end of the file (%#x bytes)",
				i, at, s.Offset, s.Size, len(b))
		}
		im.sh = append(im.sh, s)
	}
	if st := im.sh[im.shstrnd]; st.Type == shtNull || st.Type == shtNobits {
		return nil, fmt.Errorf("section header %d at offset %#x: the section name table has no data (type %d)",
			im.shstrnd, im.shoff+uint64(im.shstrnd)*shdrSize, st.Type)
	}
	return im, nil
}

func (im *image) name(s shdr) string {
	st := im.sh[im.shstrnd] // in range: parse checked it
	if uint64(s.Name) >= st.Size {
		return ""
	}
	t := im.b[st.Offset+uint64(s.Name) : st.Offset+st.Size]
	if i := bytes.IndexByte(t, 0); i >= 0 {
		t = t[:i]
	}
	return string(t)
}

// signature returns the file offset of the signature section (0: none).
func (im *image) signature() (uint64, error) {
	for _, s := range im.sh[1:] {
		if im.name(s) != abi.SigSectionName {
			continue
		}
		if s.Size != abi.SigSize || s.Offset == 0 || s.Offset > uint64(len(im.b)) || s.Size > uint64(len(im.b))-s.Offset {
			return 0, errors.New("malformed signature section")
		}
		return s.Offset, nil
	}
	return 0, nil
}

// withSection appends an empty signature section: the data, a new section
// name table and a new section header table go at the end of the file.
func (im *image) withSection() ([]byte, uint64) {
	le := binary.LittleEndian
	out := append([]byte(nil), im.b...)
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	sigOff := uint64(len(out))
	out = append(out, make([]byte, abi.SigSize)...)
	old := im.sh[im.shstrnd]
	names := append([]byte(nil), im.b[old.Offset:old.Offset+old.Size]...)
	nameOff := uint32(len(names))
	names = append(names, abi.SigSectionName+"\x00"...)
	strOff := uint64(len(out))
	out = append(out, names...)
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	shoff := uint64(len(out))
	sh := append([]shdr(nil), im.sh...)
	sh[im.shstrnd].Offset, sh[im.shstrnd].Size = strOff, uint64(len(names))
	sh = append(sh, shdr{Name: nameOff, Type: shtProgbits, Offset: sigOff, Size: abi.SigSize, Addralign: 1})
	var buf bytes.Buffer
	for _, s := range sh {
		binary.Write(&buf, le, s)
	}
	out = append(out, buf.Bytes()...)
	le.PutUint64(out[0x28:], shoff)
	le.PutUint16(out[0x3C:], uint16(len(sh)))
	return out, sigOff
}

// MAC computes the image's HMAC with the MAC field at macOff read as zeros.
func MAC(key Key, b []byte, macOff uint64) []byte {
	h := hmac.New(sha256.New, key.Secret[:])
	h.Write(b[:macOff])
	h.Write(make([]byte, 32))
	h.Write(b[macOff+32:])
	return h.Sum(nil)
}

// Sign returns the image signed with the named key (adding the signature
// section when the image has none, replacing the signature otherwise).
func Sign(b []byte, keyName string) ([]byte, error) {
	key, ok := Lookup(keyName)
	if !ok {
		return nil, fmt.Errorf("unknown key %q", keyName)
	}
	if len(keyName) > abi.SigKeyNameMax {
		return nil, fmt.Errorf("key name %q too long", keyName)
	}
	im, err := parse(b)
	if err != nil {
		return nil, err
	}
	off, err := im.signature()
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), b...)
	if off == 0 {
		out, off = im.withSection()
	}
	sig := out[off : off+abi.SigSize]
	clear(sig)
	copy(sig, abi.SigMagic)
	copy(sig[8:8+abi.SigKeyNameMax], keyName)
	copy(sig[abi.SigMACOffset:], MAC(key, out, off+abi.SigMACOffset))
	return out, nil
}

// ErrUnsigned says the image carries no signature section.
var ErrUnsigned = errors.New("no signature")

// Verify returns the name of the key that signed the image.
func Verify(b []byte) (string, error) {
	im, err := parse(b)
	if err != nil {
		return "", err
	}
	off, err := im.signature()
	if err != nil {
		return "", err
	}
	if off == 0 {
		return "", ErrUnsigned
	}
	sig := b[off : off+abi.SigSize]
	if string(sig[:8]) != abi.SigMagic {
		return "", errors.New("malformed signature")
	}
	name := string(bytes.TrimRight(sig[8:8+abi.SigKeyNameMax], "\x00"))
	key, ok := Lookup(name)
	if !ok {
		return name, fmt.Errorf("unknown signing key %q", name)
	}
	if !hmac.Equal(MAC(key, b, off+abi.SigMACOffset), sig[abi.SigMACOffset:]) {
		return name, errors.New("signature mismatch")
	}
	return name, nil
}

// KeysC is the C source of vendorapi/keys.c.
func KeysC() []byte {
	var b bytes.Buffer
	b.WriteString("/* Code generated by `go generate ./images/sign`; DO NOT EDIT.\n * The vendor signing keys (images/sign.Keys). */\n#include \"va.h\"\n\nconst struct va_key va_keys[] = {\n")
	for _, k := range Keys {
		fmt.Fprintf(&b, "\t{%q, {", k.Name)
		for i, x := range k.Secret {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "0x%02x", x)
		}
		b.WriteString("}},\n")
	}
	fmt.Fprintf(&b, "};\nconst unsigned va_nkeys = %d;\n", len(Keys))
	return b.Bytes()
}
