package scenario

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
)

// KernelPath is the kernel's name on the guest command line when the
// embedded kernel boots (as `kppemu boot` does).
const KernelPath = "kernel.elf"

// checkModule reports whether a drivers entry names something that exists.
func (s *Scenario) checkModule(v string) error {
	name, _, _ := strings.Cut(v, " ")
	if name == "" {
		return fmt.Errorf("empty driver name")
	}
	if name == "initrd" || name == "initrd.tar" {
		return nil
	}
	if strings.ContainsRune(name, '/') || strings.HasSuffix(name, ".ko") && fileExists(s.path(name)) {
		if !fileExists(s.path(name)) {
			return fmt.Errorf("driver file %s does not exist", s.path(name))
		}
		return nil
	}
	if _, err := images.Driver(name); err != nil {
		// Drivers another engineer has not built yet are a requirement, not an error.
		if s.requires("driver:" + strings.TrimSuffix(name, ".ko")) {
			return nil
		}
		return fmt.Errorf("%q is neither a file nor an embedded driver (`kppemu images` lists them; requires = [\"driver:%s\"] skips the scenario while it is not built)", name, name)
	}
	return nil
}

func (s *Scenario) requires(q string) bool {
	for _, r := range s.Requires {
		if r == q {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// bootImage builds the Multiboot image set of the scenario.
func (s *Scenario) bootImage() (emu.BootImage, map[string][]byte, error) {
	img := emu.BootImage{Append: s.Append}
	drivers := map[string][]byte{} // driver name -> object, for symbols
	if s.Kernel != "" {
		b, err := os.ReadFile(s.path(s.Kernel))
		if err != nil {
			return img, nil, err
		}
		img.Kernel, img.Path = b, s.Kernel
	} else {
		img.Kernel, img.Path = images.Kernel(), KernelPath
	}
	for _, d := range s.Drivers {
		name, args, hasArgs := strings.Cut(d, " ")
		with := func(file string) string {
			if hasArgs {
				return file + " " + args
			}
			return file
		}
		switch {
		case name == "initrd" || name == "initrd.tar":
			img.Modules = append(img.Modules, emu.BootModule{Cmdline: with("initrd.tar"), Data: images.Archive()})
		case fileExists(s.path(name)):
			b, err := os.ReadFile(s.path(name))
			if err != nil {
				return img, nil, err
			}
			base := name[strings.LastIndexByte(name, '/')+1:]
			img.Modules = append(img.Modules, emu.BootModule{Cmdline: with(base), Data: b})
			drivers[strings.TrimSuffix(base, ".ko")] = b
		default:
			b, err := images.Driver(name)
			if err != nil {
				return img, nil, fmt.Errorf("driver %s: %v", name, err)
			}
			n := strings.TrimSuffix(name, ".ko")
			img.Modules = append(img.Modules, emu.BootModule{Cmdline: with(n + ".ko"), Data: b})
			drivers[n] = b
		}
	}
	return img, drivers, nil
}

// missing returns the first requirement the image set does not meet ("" if
// none); syms are the kernel's symbols.
func (s *Scenario) missing(syms *Symbols) string {
	reqs := slices.Clone(s.Requires)
	for _, p := range s.Programs {
		reqs = append(reqs, "program:"+p)
	}
	for _, st := range s.Steps {
		if st.Kind == ActStart {
			reqs = append(reqs, "program:"+strings.Fields(st.Text)[0])
		}
	}
	for _, r := range reqs {
		kind, name, _ := strings.Cut(r, ":")
		switch kind {
		case "driver":
			if _, err := images.Driver(name); err != nil && !fileExists(s.path(name)) {
				return "driver " + name + " is not built"
			}
		case "program":
			if _, err := images.Program(name); err != nil {
				return "program " + name + " is not built"
			}
		case "symbol":
			if _, ok := syms.Lookup(name); !ok {
				return "the kernel has no symbol " + name
			}
		}
	}
	return ""
}
