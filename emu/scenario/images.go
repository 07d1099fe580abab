package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/internal/editdist"
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
	return s.checkDriverName(name)
}

// checkDriverName reports whether an embedded driver (or a boot module
// file of the scenario) has this name; a driver named in requires may be
// missing (the run is then skipped).
func (s *Scenario) checkDriverName(name string) error {
	name = strings.TrimSuffix(name, ".ko")
	if _, err := images.Driver(name); err == nil || s.requires("driver:"+name) {
		return nil
	}
	for _, d := range s.Drivers {
		file, _, _ := strings.Cut(d, " ")
		if base := strings.TrimSuffix(filepath.Base(file), ".ko"); base == name && fileExists(s.path(file)) {
			return nil
		}
	}
	msg := fmt.Sprintf("no driver %q", name)
	if sg := suggest(name, images.Drivers()); sg != "" {
		msg += fmt.Sprintf("; did you mean %q?", sg)
	}
	return fmt.Errorf("%s (`kppemu images` lists the drivers; requires = [\"driver:%s\"] skips the scenario while it is not built)", msg, name)
}

// checkProgram reports whether an embedded program has this name.
func (s *Scenario) checkProgram(name string) error {
	if name == "" {
		return fmt.Errorf("empty program name")
	}
	if _, err := images.Program(name); err == nil || s.requires("program:"+name) {
		return nil
	}
	msg := fmt.Sprintf("no program %q", name)
	if sg := suggest(name, images.Programs()); sg != "" {
		msg += fmt.Sprintf("; did you mean %q?", sg)
	}
	return fmt.Errorf("%s (`kppemu images` lists the programs; requires = [\"program:%s\"] skips the scenario while it is not built)", msg, name)
}

var embeddedKernelSyms = sync.OnceValues(func() (*Symbols, error) { return KernelSymbols(images.Kernel()) })

// checkSymbol reports whether a poke's symbol exists: a kernel symbol of
// the embedded kernel, or "driver!symbol" of an embedded driver. Symbols
// of kernel and driver files are resolved only when the run loads them.
func (s *Scenario) checkSymbol(expr string) error {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return fmt.Errorf("empty symbol")
	}
	if s.requires("symbol:" + expr) {
		return nil
	}
	mod, sym, isDriver := strings.Cut(expr, "!")
	if isDriver && mod != "kernel" {
		obj, err := images.Driver(mod)
		if err != nil {
			if s.requires("driver:"+mod) || s.Kernel != "" {
				return nil
			}
			for _, d := range s.Drivers {
				file, _, _ := strings.Cut(d, " ")
				if strings.TrimSuffix(filepath.Base(file), ".ko") == mod && fileExists(s.path(file)) {
					return nil
				}
			}
			return s.checkDriverName(mod)
		}
		if sym == "" {
			return nil
		}
		syms, err := DriverSymbols(obj, 0)
		if err != nil {
			return nil // the run reports what is wrong with the object
		}
		if _, ok := syms.Lookup(sym); ok {
			return nil
		}
		return unknownSymbol(fmt.Sprintf("driver %s has no symbol %q", mod, sym), sym, syms)
	}
	if isDriver {
		expr = sym
	}
	if s.Kernel != "" {
		return nil
	}
	syms, err := embeddedKernelSyms()
	if err != nil {
		return nil
	}
	if _, ok := syms.Lookup(expr); ok {
		return nil
	}
	return unknownSymbol(fmt.Sprintf("the kernel has no symbol %q", expr), expr, syms)
}

func unknownSymbol(msg, name string, syms *Symbols) error {
	var names []string
	for _, s := range syms.All() {
		names = append(names, s.Name)
	}
	if sg := suggest(name, names); sg != "" {
		msg += fmt.Sprintf("; did you mean %q?", sg)
	}
	return fmt.Errorf("%s", msg)
}

// suggest returns the candidate closest to name by edit distance when it
// is close enough to be a typo ("" otherwise).
func suggest(name string, candidates []string) string {
	limit := len(name) / 3
	if limit == 0 || len(name) > 64 {
		return ""
	}
	best, bestD := "", 0
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if len(c) > len(name)+limit || len(c) < len(name)-limit {
			continue // too long or too short to be within the limit
		}
		d := editdist.Distance(lname, strings.ToLower(c), limit)
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD == 0 || bestD > limit {
		return ""
	}
	return best
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

// MachineNote says how the scenario's machine differs from the one
// `kppemu boot` starts with no flags (the embedded kernel, 128 MiB, the
// module archive and vendor_sample), or "" when it does not.
func (s *Scenario) MachineNote() string {
	var diffs []string
	if s.Kernel != "" {
		diffs = append(diffs, "kernel "+s.Kernel)
	}
	if s.MemBytes != 0 && s.MemBytes != emu.DefaultMemBytes {
		diffs = append(diffs, fmt.Sprintf("%d MiB of RAM", s.MemBytes>>20))
	}
	names := map[string]bool{}
	for _, d := range s.Drivers {
		name, _, _ := strings.Cut(d, " ")
		name = strings.TrimSuffix(filepath.Base(name), ".ko")
		if name == "initrd.tar" {
			name = "initrd"
		}
		names[name] = true
		if !slices.Contains(DefaultDrivers, name) {
			diffs = append(diffs, "boot module "+d)
		}
	}
	for _, d := range DefaultDrivers {
		if !names[d] {
			diffs = append(diffs, "no "+d)
		}
	}
	return strings.Join(diffs, ", ")
}

// bootImage builds the Multiboot image set of the scenario.
func (s *Scenario) bootImage() (emu.BootImage, map[string][]byte, error) {
	img := emu.BootImage{Append: s.Append}
	drivers := map[string][]byte{} // driver name -> object, for symbols
	// Files named by the scenario are checked against the guest's RAM
	// before they are read.
	ram := s.MemBytes
	if ram == 0 {
		ram = emu.DefaultMemBytes
	}
	why := "the guest's " + hostio.FormatSize(ram) + " of RAM"
	if s.Kernel != "" {
		b, err := hostio.ReadFile(s.path(s.Kernel), ram, "kernel", why)
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
			b, err := hostio.ReadFile(s.path(name), ram, "driver", why)
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
