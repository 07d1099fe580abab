package images

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kppemu/kppemu/images/qemu"
)

// fuzzSeed fixes the damage, so the test is the same every run (set
// KPPEMU_FUZZ_SEED to explore others).
var fuzzSeed int64 = 1

func init() {
	if v := os.Getenv("KPPEMU_FUZZ_SEED"); v != "" {
		fmt.Sscan(v, &fuzzSeed)
	}
}

// mutate returns a copy of obj with a few bytes of its metadata (ELF
// header, section header table, symbol, string and relocation tables)
// replaced at random: the parts the loader must distrust.
func mutate(obj []byte, rng *rand.Rand) []byte {
	b := append([]byte(nil), obj...)
	type span struct{ off, n int }
	spans := []span{{0, 64}}
	shoff := int(binary.LittleEndian.Uint64(b[0x28:]))
	shnum := int(binary.LittleEndian.Uint16(b[0x3C:]))
	spans = append(spans, span{shoff, shnum * 64})
	for i := 0; i < shnum; i++ {
		h := shoff + 64*i
		typ := binary.LittleEndian.Uint32(b[h+4:])
		off := int(binary.LittleEndian.Uint64(b[h+24:]))
		size := int(binary.LittleEndian.Uint64(b[h+32:]))
		if typ == 2 || typ == 3 || typ == 4 { // SYMTAB, STRTAB, RELA
			spans = append(spans, span{off, size})
		}
	}
	for k := 1 + rng.Intn(4); k > 0; k-- {
		s := spans[rng.Intn(len(spans))]
		if s.n == 0 || s.off+s.n > len(b) {
			continue
		}
		b[s.off+rng.Intn(s.n)] = byte(rng.Intn(256))
	}
	return b
}

// TestQEMULoaderFuzz checks, with `check` (place and relocate without
// running), that the loader refuses or accepts hundreds of randomly damaged
// driver images without ever faulting itself.
func TestQEMULoaderFuzz(t *testing.T) {
	if !qemu.Available() {
		if os.Getenv(qemu.RequireEnv) == "1" {
			t.Fatalf("%s not found and %s=1", qemu.Binary, qemu.RequireEnv)
		}
		t.Skipf("%s not installed", qemu.Binary)
	}
	const n = 300
	rng := rand.New(rand.NewSource(fuzzSeed))
	var sources [][]byte
	for _, name := range []string{"hello", "ticktest", "wxtest"} {
		b, err := Driver(name)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, b)
	}
	var arc bytes.Buffer
	tw := tar.NewWriter(&arc)
	for i := 0; i < n; i++ {
		data := mutate(sources[i%len(sources)], rng)
		hdr := &tar.Header{Name: fmt.Sprintf("fuzz%03d.ko", i), Mode: 0o644, Size: int64(len(data)), Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kernel, err := qemu.WriteTemp(dir, "kernel.elf", Kernel())
	if err != nil {
		t.Fatal(err)
	}
	fuzz, err := qemu.WriteTemp(dir, "fuzz.tar", arc.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	res, err := qemu.Run(context.Background(), qemu.Config{
		Kernel: kernel, Modules: []qemu.Module{{Path: fuzz}}, Append: "autorun=check fuzz;mem;poweroff",
		ICount: true, Timeout: 120 * time.Second, Seed: qemu.SeedPtr(qemuSeed),
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Serial, "*** STOP") || res.ExitCode != exitPowerOff {
		t.Fatalf("the loader did not survive (exit %d):\n%s", res.ExitCode, res.Serial)
	}
	m := regexp.MustCompile(`check: (\d+) ok, (\d+) refused`).FindStringSubmatch(res.Serial)
	if m == nil {
		t.Fatalf("no check summary:\n%s", res.Serial)
	}
	var ok, refused int
	fmt.Sscan(m[1], &ok)
	fmt.Sscan(m[2], &refused)
	if ok+refused != n || refused == 0 {
		t.Errorf("check: %d ok, %d refused; want %d images with some refused", ok, refused, n)
	}
	t.Logf("%d damaged images: %d accepted, %d refused", n, ok, refused)
}
