package cpu

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestDiffEncoder checks the differential encoder against x86asm: for every form, the
// instruction under test of a few generated cases must decode to the form's mnemonic with
// exactly the generated length, and every case must decode completely.
func TestDiffEncoder(t *testing.T) {
	for _, f := range diffForms() {
		g := &dgen{r: rand.New(rand.NewPCG(formSeed(1, f.name), 7))}
		for i := 0; i < 40; i++ {
			g.newCase()
			f.gen(g)
			if g.c.mainN == 0 {
				g.c.mainN = len(g.c.code)
			}
			mnem := f.mnem
			if g.mnem != "" {
				mnem = g.mnem
			}
			main := g.c.code[g.c.main : g.c.main+g.c.mainN]
			if len(g.c.code) > 0x800 {
				t.Fatalf("%s: snippet too long", f.name)
			}
			if mnem == "" {
				continue // x86asm cannot decode it (ENDBR64)
			}
			inst, err := x86asm.Decode(main, 64)
			if err != nil || inst.Op.String() != mnem || inst.Len != len(main) {
				t.Errorf("%s: % x decodes as %v (len %d, err %v), want %s len %d", f.name, main,
					x86asm.IntelSyntax(inst, 0, nil), inst.Len, err, mnem, len(main))
				break
			}
		}
	}
}
