package sign

import (
	"bytes"
	"errors"
	"os"
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
