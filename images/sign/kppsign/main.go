// Command kppsign signs driver images for the image build (images.mk) and
// writes vendorapi/keys.c; `kppemu sign` is the same for users.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kppemu/kppemu/images/sign"
)

func main() {
	key := flag.String("key", "kpp-test", "signing key name")
	gen := flag.String("gen-keys", "", "write the C key list to this file and exit")
	flag.Parse()
	if *gen != "" {
		if err := os.WriteFile(*gen, sign.KeysC(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "kppsign:", err)
			os.Exit(1)
		}
		return
	}
	for _, f := range flag.Args() {
		b, err := os.ReadFile(f)
		if err == nil {
			b, err = sign.Sign(b, *key)
		}
		if err == nil {
			err = os.WriteFile(f, b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kppsign: %s: %v\n", f, err)
			os.Exit(1)
		}
	}
}
