// Package images embeds the guest images built from kernel/,
// images/drivers/ and images/programs/ (rebuilt byte for byte by `make
// images`): the kernel (a Multiboot v1 ELF file), the initial module archive
// (ustar: drivers as NAME.ko, programs as NAME), the driver objects (ELF64
// relocatable, one per driver) and the ring-3 programs (ELF64 executables).
package images

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed bin
var bin embed.FS

// Kind says what an image is.
type Kind string

// Image kinds.
const (
	KindKernel  Kind = "kernel"  // bin/kernel.elf
	KindArchive Kind = "archive" // bin/initrd.tar: drivers (NAME.ko) and programs (NAME)
	KindDriver  Kind = "driver"  // bin/drivers/NAME.ko
	KindProgram Kind = "program" // bin/programs/NAME
)

// Image is one embedded file.
type Image struct {
	Name  string // driver or program name without extension; "kernel"; "initrd"
	Kind  Kind
	Path  string // path inside the embedded tree, e.g. "bin/drivers/hello.ko"
	Bytes []byte
}

// Paths of the fixed images.
const (
	KernelPath  = "bin/kernel.elf"
	ArchivePath = "bin/initrd.tar"
)

// Kernel returns the default kernel image.
func Kernel() []byte { return mustRead(KernelPath) }

// Archive returns the initial module archive (pass it as a Multiboot module
// named "initrd.tar"; the kernel recognises it by its ustar magic).
func Archive() []byte { return mustRead(ArchivePath) }

// Driver returns the driver object called name ("hello" or "hello.ko").
func Driver(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".ko")
	b, err := bin.ReadFile("bin/drivers/" + name + ".ko")
	if err != nil {
		return nil, fmt.Errorf("images: no driver %q", name)
	}
	return b, nil
}

// Program returns the ring-3 program called name.
func Program(name string) ([]byte, error) {
	b, err := bin.ReadFile("bin/programs/" + name)
	if err != nil {
		return nil, fmt.Errorf("images: no program %q", name)
	}
	return b, nil
}

// List returns every embedded image: kernel, archive, drivers, programs,
// each group sorted by name.
func List() []Image {
	var out []Image
	_ = fs.WalkDir(bin, "bin", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		img := Image{Path: p, Bytes: mustRead(p)}
		base := path.Base(p)
		switch {
		case p == KernelPath:
			img.Kind, img.Name = KindKernel, "kernel"
		case p == ArchivePath:
			img.Kind, img.Name = KindArchive, "initrd"
		case strings.HasPrefix(p, "bin/drivers/") && strings.HasSuffix(base, ".ko"):
			img.Kind, img.Name = KindDriver, strings.TrimSuffix(base, ".ko")
		case strings.HasPrefix(p, "bin/programs/"):
			img.Kind, img.Name = KindProgram, base
		default:
			return nil
		}
		out = append(out, img)
		return nil
	})
	order := map[Kind]int{KindKernel: 0, KindArchive: 1, KindDriver: 2, KindProgram: 3}
	sort.SliceStable(out, func(i, j int) bool {
		if order[out[i].Kind] != order[out[j].Kind] {
			return order[out[i].Kind] < order[out[j].Kind]
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Drivers returns the names of the embedded drivers, sorted.
func Drivers() []string { return names("bin/drivers", ".ko") }

// Programs returns the names of the embedded ring-3 programs, sorted.
func Programs() []string { return names("bin/programs", "") }

// names lists a directory of the embedded tree without reading the files.
func names(dir, ext string) []string {
	entries, _ := fs.ReadDir(bin, dir)
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ext) {
			out = append(out, strings.TrimSuffix(e.Name(), ext))
		}
	}
	sort.Strings(out)
	return out
}

func mustRead(p string) []byte {
	b, err := bin.ReadFile(p)
	if err != nil {
		// The tree is fixed at build time; a missing fixed image is a build bug.
		panic("images: " + p + " not embedded: run `make images`")
	}
	return b
}
