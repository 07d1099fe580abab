package cpu

// The coverage report of the differential test: which enumerated ring-3 forms
// (diffenum_test.go) no case ran, and which addressing forms (ModRM/SIB shape,
// displacement size, address size, segment override) no memory operand used.
// TestDiff fails when either list is not empty after a default or longer run;
// `make difftest-coverage` prints the whole report (-coverage).

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"
)

var flagCoverage = flag.Bool("coverage", false, "differential tests: print the form coverage report")

type coverage struct {
	forms map[string]int // form key -> cases
	addr  map[string]int // addressing form -> cases
}

func newCoverage() *coverage {
	return &coverage{forms: map[string]int{}, addr: map[string]int{}}
}

// record notes the form and addressing form of a case's instruction under test.
func (c *coverage) record(dc *dcase) {
	b := dc.code[dc.main : dc.main+dc.mainN]
	if k, _, ok := formKey(b); ok {
		c.forms[k]++
	}
	if a := addrForm(b); a != "" {
		c.addr[a]++
	}
	if p, ok := parseInsn(b); ok && p.mem {
		c.addr["seg "+segName(p.seg)]++
	}
}

func segName(s byte) string {
	switch s {
	case 0x26:
		return "ES"
	case 0x2E:
		return "CS"
	case 0x36:
		return "SS"
	case 0x3E:
		return "DS"
	case 0x64:
		return "FS"
	case 0x65:
		return "GS"
	}
	return "none"
}

// addrForm classifies a memory operand: the ModRM/SIB shape (rip, abs = SIB without base
// or index, index = SIB without base, base, base+index, moffs), the displacement size
// and the address size; "" for no memory operand.
func addrForm(b []byte) string {
	p, ok := parseInsn(b)
	if !ok || !p.mem {
		return ""
	}
	as := "a64"
	if p.a32 {
		as = "a32"
	}
	if p.modrm < 0 {
		return "moffs " + as
	}
	// The byte after the ModRM is the SIB when rm = 100.
	at := len(p.pfx) + len(p.op) + 1
	if p.rex != 0 {
		at++
	}
	mod, rm := p.modrm>>6, p.modrm&7
	var shape, disp string
	switch mod {
	case 0:
		disp = "disp0"
	case 1:
		disp = "disp8"
	default:
		disp = "disp32"
	}
	switch {
	case rm == 5 && mod == 0:
		return "rip disp32 " + as
	case rm != 4:
		shape = "base"
	default:
		if at >= len(b) {
			return ""
		}
		sib := b[at]
		base, index := sib&7, sib>>3&7|(p.rex>>1&1)<<3
		switch {
		case base == 5 && mod == 0 && index == 4:
			return "abs disp32 " + as
		case base == 5 && mod == 0:
			return "index disp32 " + as
		case index == 4:
			shape = "base(sib)"
		default:
			shape = "base+index"
		}
	}
	return shape + " " + disp + " " + as
}

// wantAddrForms are the addressing forms every run must exercise.
func wantAddrForms() []string {
	var w []string
	for _, as := range []string{"a64", "a32"} {
		w = append(w, "rip disp32 "+as, "abs disp32 "+as, "index disp32 "+as, "moffs "+as)
		for _, sh := range []string{"base", "base(sib)", "base+index"} {
			for _, d := range []string{"disp0", "disp8", "disp32"} {
				w = append(w, sh+" "+d+" "+as)
			}
		}
	}
	for _, s := range []string{"none", "ES", "CS", "SS", "DS", "FS", "GS"} {
		if s == "GS" && !hostGSZero || s == "FS" && !hostFSUsable {
			continue
		}
		w = append(w, "seg "+s)
	}
	return w
}

// report logs the coverage and fails on an implemented ring-3 form or addressing form no
// case ran (only when every form ran: a -run filter leaves gaps by design).
func (c *coverage) report(t *testing.T, e *enumResult, allRan bool) {
	ring3 := e.ring3Forms()
	var missing []string
	hostSkipped := map[string][]string{}
	for _, f := range ring3 {
		if why := hostSkip(f.key); why != "" && c.forms[f.key] == 0 {
			hostSkipped[why] = append(hostSkipped[why], f.key)
			continue
		}
		if c.forms[f.key] == 0 {
			missing = append(missing, fmt.Sprintf("%-40s e.g. % x", f.key, f.bytes))
		}
	}
	var missAddr []string
	for _, a := range wantAddrForms() {
		if c.addr[a] == 0 {
			missAddr = append(missAddr, a)
		}
	}
	excluded := map[string][]string{}
	for _, f := range e.forms {
		if why, ok := notSnippet[f.mnem]; ok {
			excluded[why] = append(excluded[why], f.key)
		}
	}
	nSkip := 0
	for _, ks := range hostSkipped {
		nSkip += len(ks)
	}
	logf := t.Logf
	if *flagCoverage {
		// Printed, not logged: the report shows without -v (make difftest-coverage).
		logf = func(f string, a ...any) { fmt.Printf(f+"\n", a...) }
	}
	logf("coverage: %d encodings enumerated, %d implemented, %d forms, %d ring-3 forms; %d ran, %d did not, %d cannot run on this host; %d of %d addressing forms ran",
		e.encodings, e.decoded, len(e.forms), len(ring3), len(ring3)-len(missing)-nSkip, len(missing), nSkip,
		len(wantAddrForms())-len(missAddr), len(wantAddrForms()))
	for why, ks := range hostSkipped {
		logf("forms this host cannot run (%s): %s", why, strings.Join(ks, "; "))
	}
	if *flagCoverage {
		var whys []string
		for why := range excluded {
			whys = append(whys, why)
		}
		sort.Strings(whys)
		for _, why := range whys {
			ks := excluded[why]
			sort.Strings(ks)
			logf("not ring-3 snippet forms (%s): %d\n  %s", why, len(ks), strings.Join(ks, "\n  "))
		}
		var as []string
		for a, n := range c.addr {
			as = append(as, fmt.Sprintf("%-28s %d", a, n))
		}
		sort.Strings(as)
		logf("addressing forms run:\n  %s", strings.Join(as, "\n  "))
	}
	if *flagCoverage {
		logf("ring-3 forms no case ran (%d):\n  %s", len(missing), strings.Join(missing, "\n  "))
		logf("addressing forms no case ran (%d):\n  %s", len(missAddr), strings.Join(missAddr, "\n  "))
	}
	if len(missing) > 0 || len(missAddr) > 0 {
		msg := fmt.Sprintf("ring-3 forms no case ran (%d):\n  %s\naddressing forms no case ran (%d):\n  %s",
			len(missing), strings.Join(missing, "\n  "), len(missAddr), strings.Join(missAddr, "\n  "))
		if allRan {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// hostFSUsable: FS-override operands can be generated (native.State.FSPatches gives the
// host's FS base to the case at run time).
var hostFSUsable = true
