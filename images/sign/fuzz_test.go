package sign

import (
	"bytes"
	"testing"

	"github.com/kppemu/kppemu/images"
)

// FuzzSign feeds Sign and Verify arbitrary files: seeded with every shipped
// driver, and with the committed corpus (testdata/fuzz/FuzzSign) of driver
// headers with bit-flipped fields. Neither may panic; whatever Sign
// accepts and signs must verify with that key, and signing again must
// replace the signature in place.
func FuzzSign(f *testing.F) {
	for _, name := range images.Drivers() {
		b, _ := images.Driver(name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		_, _ = Verify(b)
		out, err := Sign(b, "vendor-sample")
		if !bytes.Equal(b, in) {
			t.Fatal("Sign modified its input")
		}
		if err != nil {
			return
		}
		if k, err := Verify(out); err != nil || k != "vendor-sample" {
			t.Fatalf("a freshly signed image does not verify: %q, %v", k, err)
		}
		again, err := Sign(out, "kpp-test")
		if err != nil {
			t.Fatalf("re-signing a signed image: %v", err)
		}
		if len(again) != len(out) {
			t.Fatalf("re-signing grew the image from %d to %d bytes", len(out), len(again))
		}
		if k, err := Verify(again); err != nil || k != "kpp-test" {
			t.Fatalf("a re-signed image does not verify: %q, %v", k, err)
		}
	})
}
