package images

import (
	"embed"
	"regexp"
	"strings"
)

// The driver and program sources, read only for the one-line description
// at the top of each (the images themselves are built from them by `make
// images`; embedding the text changes nothing in images/bin).
//
//go:embed drivers/*.c programs/*.c
var sources embed.FS

// descriptions are the one-line descriptions `kppemu images` prints. An
// image missing here is described by the first sentence of the comment at
// the top of its source.
var descriptions = map[string]string{
	"kernel": "the guest kernel (Multiboot v1) with PatchGuard, vendor APIs, shell",
	"initrd": "module archive (ustar): every driver and program, loadable by name",

	"hello":            "the smallest driver: pool block, prints its arguments, dispatch 0",
	"ticktest":         "timer and DPC regularity: a periodic 10 ms timer sampled N times",
	"wxtest":           "W^X and guard pages: each forbidden write must bug-check 0x50",
	"vendor_sample":    "vendor sample: protects svc; blocks badptr, attack_a1 and RWX memory",
	"vendor_rules":     "vendor-API registration rules, one line each; a gate vetoing fault",
	"vendor_rundown":   "vendor-API rundown: an unload waits for a callback in flight",
	"vendor_thief":     "unregisters other drivers' vendor-API filters by guessed cookies",
	"vendor_unsigned":  "unsigned (needs testsigning): refused the signed-only vendor APIs",
	"bad_entryfail":    "loader test: driver_entry returns an error status",
	"bad_noentry":      "loader test: no driver_entry symbol",
	"bad_oversize":     "loader test: 8 MiB of .bss, above the loader's size limit",
	"bad_unresolved":   "loader test: imports a symbol the kernel does not export",
	"bad_magic":        "loader test: hello.ko with a broken ELF magic",
	"bad_machine":      "loader test: hello.ko with a wrong e_machine",
	"bad_shoff":        "loader test: hello.ko with its section headers outside the file",
	"bad_section":      "loader test: hello.ko with a section outside the file",
	"bad_reloc_type":   "loader test: hello.ko with a TPOFF32 relocation (unsupported)",
	"bad_reloc_offset": "loader test: hello.ko with a relocation outside its section",
	"bad_symbol_index": "loader test: hello.ko with a relocation to a symbol that is not there",

	"attack_a1":          "A1: points a system service table entry at the driver (0x109 type 0xA)",
	"attack_a2":          "A2: inline 5-byte jmp hook over module_find (0x109 type 0x1)",
	"attack_a3":          "A3: rewrites a read-only kernel string (0x109 type 0x0)",
	"attack_a4":          "A4: points the page-fault IDT gate at a driver stub (0x109 type 0x2)",
	"attack_a5":          "A5: loads a GDT with a call gate, or (ldt) an LDT (0x109 type 0x3)",
	"attack_a6":          "A6: points LSTAR at a driver stub (0x109 type 0x7)",
	"attack_a7":          "A7: clears CR4.SMEP, or (wp) leaves CR0.WP clear (0x109 type 0x15)",
	"attack_a8":          "A8: unlinks a process from the process list (0x109 type 0x4/0x5)",
	"attack_a9":          "A9: unlinks a driver from the loaded-module list (0x109 type 0x19)",
	"attack_a10":         "A10: overwrites a notify array entry directly (0x109 type 0x18)",
	"attack_a11":         "A11: takes over another driver's dispatch entry (0x109 type 0x1C)",
	"attack_a12":         "A12: redirects the printk export table entry (0x109 type 0xD)",
	"attack_a13":         "A13: hooks the debug-trap or bug-check pointer (0x109 type 0x6)",
	"attack_a14":         "A14: hooks bugcheck(), then patches the service table (0x109 anyway)",
	"attack_a15":         "A15: finds and cancels PatchGuard's timer (0x109 type 0x101)",
	"attack_a16":         "A16: masks the local APIC timer (0x109 type 0x17 or 0x101)",
	"attack_a17":         "A17: makes PatchGuard's DPC return at once (0x109 type 0x1 or 0x101)",
	"attack_a18":         "A18: wipes pool blocks that look encrypted (0x109 type 0x101)",
	"attack_a19":         "A19: patches the service table for MS ms, then restores it (a race)",
	"attack_a20":         "A20: hooks the housekeeping DPC routine (by design undetected)",
	"attack_a21":         "A21: hooks module_find before PatchGuard arms (by design undetected)",
	"attack_a22":         "A22: patches the service table; undetected only with kd=1",
	"attack_a25_objtype": "A25: hooks the process object type's methods (0x109 type 0x8)",
	"attack_a26_protect": "A26: clears or sets a process's protection flag (0x109 type 0x1F)",

	"sh":      "a user-mode shell: each line runs a program, & in the background",
	"init":    "starts a list of programs, waits for each, reports each status",
	"spin":    "CPU-bound loop in ten rounds; exit status = checksum",
	"svc":     "the protected service: a mailbox page and a 20 ms heartbeat",
	"kill":    "opens a process, terminates it and waits",
	"inject":  "writes into another process's mailbox and reads it back",
	"jit":     "runs code generated into RWX and RW->RX memory",
	"spawn":   "starts a program and waits (a position-independent executable)",
	"loaddrv": "loads or unloads a driver through the system call",
	"fault":   "one forbidden act in ring 3; the kernel kills only this process",
	"badptr":  "bad pointers, handles and numbers through every system call",
	"threads": "N user threads adding to shared counters",
	"ps":      "the process list through the system call",
	"ssechk":  "checks that SSE registers survive thread switches",
	"readln":  "reads one console line and prints it",
	"pctl":    "one handle operation on a process: query, name, suspend, resume, dup",
	"bench":   "integer, string and system-call work for kppemu bench",
	"benchfp": "floating-point and vector work for kppemu bench: fp, vec, x87",
}

// programDescriptions are the programs whose name a driver also has.
var programDescriptions = map[string]string{
	"hello": "prints its pid, its load address (PIE) and its arguments",
}

// Describe returns the one-line description of an image ("" when there is
// none).
func Describe(img Image) string {
	if img.Kind == KindProgram {
		if d := programDescriptions[img.Name]; d != "" {
			return d
		}
	}
	if d := descriptions[img.Name]; d != "" {
		return d
	}
	dir := "drivers/"
	if img.Kind == KindProgram {
		dir = "programs/"
	}
	src, err := sources.ReadFile(dir + img.Name + ".c")
	if err != nil {
		return ""
	}
	return firstSentence(string(src), img.Name)
}

var (
	commentRE = regexp.MustCompile(`(?s)^\s*/\*(.*?)\*/`)
	spaceRE   = regexp.MustCompile(`\s+`)
)

// firstSentence is the first sentence of a source's leading comment, after
// the "NAME ...:" that starts it.
func firstSentence(src, name string) string {
	m := commentRE.FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(m[1], "\n") {
		lines = append(lines, strings.TrimPrefix(strings.TrimSpace(l), "*"))
	}
	text := strings.TrimSpace(spaceRE.ReplaceAllString(strings.Join(lines, " "), " "))
	if strings.HasPrefix(text, name) {
		if _, rest, ok := strings.Cut(text, ": "); ok {
			text = rest
		}
	}
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i]
	}
	return strings.TrimSuffix(text, ".")
}
