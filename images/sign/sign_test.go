package sign

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kppemu/kppemu/images"
)

// TestKeysFresh fails when vendorapi/keys.c differs from what
// `go generate ./images/sign` writes.
func TestKeysFresh(t *testing.T) {
	got, err := os.ReadFile("../../vendorapi/keys.c")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, KeysC()) {
		t.Fatal("vendorapi/keys.c is stale: run `go generate ./images/sign`")
	}
}

func TestSignVerify(t *testing.T) {
	raw, err := images.Driver("vendor_unsigned")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(raw); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned driver: %v", err)
	}
	signed, err := Sign(raw, "vendor-sample")
	if err != nil {
		t.Fatal(err)
	}
	if k, err := Verify(signed); err != nil || k != "vendor-sample" {
		t.Fatalf("Verify = %q, %v", k, err)
	}
	// Re-signing replaces the signature in place.
	again, err := Sign(signed, "kpp-test")
	if err != nil || len(again) != len(signed) {
		t.Fatalf("re-sign: %v (len %d vs %d)", err, len(again), len(signed))
	}
	if k, err := Verify(again); err != nil || k != "kpp-test" {
		t.Fatalf("Verify = %q, %v", k, err)
	}
	// Any changed byte outside the MAC breaks it.
	bad := append([]byte(nil), again...)
	bad[100] ^= 1
	if _, err := Verify(bad); err == nil {
		t.Fatal("tampered image verified")
	}
	if _, err := Sign(raw, "no-such-key"); err == nil {
		t.Fatal("unknown key accepted")
	}
}

// Every shipped driver but *_unsigned* and the malformed bad_* ones carries
// a valid signature: vendor_* with vendor-sample, the rest with kpp-test.
func TestShippedDriversSigned(t *testing.T) {
	for _, name := range images.Drivers() {
		b, _ := images.Driver(name)
		k, err := Verify(b)
		switch {
		case bytes.Contains([]byte(name), []byte("unsigned")):
			if !errors.Is(err, ErrUnsigned) {
				t.Errorf("%s: %q, %v; want unsigned", name, k, err)
			}
		case bytes.HasPrefix([]byte(name), []byte("bad_")):
		case bytes.HasPrefix([]byte(name), []byte("vendor_")):
			if err != nil || k != "vendor-sample" {
				t.Errorf("%s: %q, %v", name, k, err)
			}
		default:
			if err != nil || k != "kpp-test" {
				t.Errorf("%s: %q, %v", name, k, err)
			}
		}
	}
}

// A malformed driver gets an error naming the header and offset, never a
// panic: the section name table's size bit-flipped to 0x10000, a section
// whose data runs past the end, a truncated header table, too many sections.
func TestMalformedHeaders(t *testing.T) {
	hello, err := images.Driver("hello")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	shoff := le.Uint64(hello[0x28:])
	shstrnd := uint64(le.Uint16(hello[0x3E:]))
	edit := func(f func(b []byte)) []byte {
		b := append([]byte(nil), hello...)
		f(b)
		return b
	}
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"shstrtab size 0x10000", edit(func(b []byte) { le.PutUint64(b[shoff+shstrnd*shdrSize+32:], 0x10000) }),
			"beyond the end of the file"},
		{"section offset past the end", edit(func(b []byte) { le.PutUint64(b[shoff+1*shdrSize+24:], 1<<40) }),
			"section header 1 at offset"},
		{"size overflows offset", edit(func(b []byte) { le.PutUint64(b[shoff+1*shdrSize+32:], ^uint64(0)) }),
			"section header 1 at offset"},
		{"header table truncated", hello[:shoff+shdrSize], "section header table"},
		{"too many sections", edit(func(b []byte) { le.PutUint16(b[0x3C:], 0xFFFF) }), "section headers, at most"},
		{"name table index 0", edit(func(b []byte) { le.PutUint16(b[0x3E:], 0) }), "section name table has no data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Sign(c.b, "kpp-test")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Sign: %v, want an error containing %q", err, c.want)
			}
			if _, err := Verify(c.b); err == nil {
				t.Errorf("Verify accepted it")
			}
		})
	}
}
