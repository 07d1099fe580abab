package accelcheck

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
)

// maxDiffs bounds the differences listed per part of the state.
const maxDiffs = 12

// gprNames are the general registers in State.GPR order.
var gprNames = [16]string{"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}

var segNames = [6]string{"ES", "CS", "SS", "DS", "FS", "GS"}

// diffMachines lists how a's state differs from b's: the same parts
// StateHash covers (processors, paging state, RAM, devices, what the
// machine remembers), one line per difference; none when they are equal.
func diffMachines(a, b *emu.Machine) ([]string, error) {
	sa, err := a.SaveState()
	if err != nil {
		return nil, err
	}
	sb, err := b.SaveState()
	if err != nil {
		return nil, err
	}
	var out []string
	cpus := append([]cpu.State{sa.CPU}, sa.APs...)
	cpusB := append([]cpu.State{sb.CPU}, sb.APs...)
	if len(cpus) != len(cpusB) {
		return []string{fmt.Sprintf("processors: %d | %d", len(cpus), len(cpusB))}, nil
	}
	for i := range cpus {
		out = append(out, diffValue(fmt.Sprintf("cpu %d: ", i), reflect.ValueOf(cpus[i]), reflect.ValueOf(cpusB[i]), maxDiffs)...)
	}
	out = append(out, diffValue("mmu 0: ", reflect.ValueOf(sa.MMU), reflect.ValueOf(sb.MMU), maxDiffs)...)
	for i := range sa.APMMUs {
		out = append(out, diffValue(fmt.Sprintf("mmu %d: ", i+1), reflect.ValueOf(sa.APMMUs[i]), reflect.ValueOf(sb.APMMUs[i]), maxDiffs)...)
	}
	if sa.NextCPU != sb.NextCPU || sa.TurnLeft != sb.TurnLeft {
		out = append(out, fmt.Sprintf("processor turn: cpu %d with %d left | cpu %d with %d left", sa.NextCPU, sa.TurnLeft, sb.NextCPU, sb.TurnLeft))
	}
	for i := range sa.Devices {
		if i < len(sb.Devices) && !bytes.Equal(sa.Devices[i].Data, sb.Devices[i].Data) {
			out = append(out, fmt.Sprintf("device %s: state differs", sa.Devices[i].Name))
		}
	}
	if !reflect.DeepEqual(sa.BugCheck, sb.BugCheck) {
		out = append(out, fmt.Sprintf("bug check: %v | %v", sa.BugCheck, sb.BugCheck))
	}
	if !reflect.DeepEqual(sa.Drivers, sb.Drivers) {
		out = append(out, fmt.Sprintf("drivers loaded: %v | %v", sa.Drivers, sb.Drivers))
	}
	out = append(out, diffRAM(a.MMU.RAM(), b.MMU.RAM())...)
	return out, nil
}

// diffRAM names the pages in which two RAM images differ.
func diffRAM(a, b []byte) []string {
	if bytes.Equal(a, b) {
		return nil
	}
	if len(a) != len(b) {
		return []string{fmt.Sprintf("RAM size: %d | %d", len(a), len(b))}
	}
	var out []string
	pages := 0
	for p := 0; p < len(a); p += 4096 {
		pa, pb := a[p:p+4096], b[p:p+4096]
		if bytes.Equal(pa, pb) {
			continue
		}
		pages++
		if len(out) < maxDiffs {
			i := 0
			for pa[i] == pb[i] {
				i++
			}
			n := 0
			for j := i; j < 4096; j++ {
				if pa[j] != pb[j] {
					n++
				}
			}
			end := min(i+8, 4096)
			out = append(out, fmt.Sprintf("RAM page %#x: %d byte(s) differ, first at %#x: % x | % x", p, n, p+i, pa[i:end], pb[i:end]))
		}
	}
	if pages > len(out) {
		out = append(out, fmt.Sprintf("RAM: %d more page(s) differ", pages-len(out)))
	}
	return out
}

// diffValue lists the leaves in which a and b (values of the same type)
// differ, named from prefix, at most limit of them.
func diffValue(prefix string, a, b reflect.Value, limit int) []string {
	var out []string
	var walk func(name string, a, b reflect.Value)
	walk = func(name string, a, b reflect.Value) {
		if len(out) >= limit {
			return
		}
		switch a.Kind() {
		case reflect.Struct:
			t := a.Type()
			for i := 0; i < t.NumField(); i++ {
				if !t.Field(i).IsExported() {
					// Not reachable through Interface: compared as printed.
					if fa, fb := fmt.Sprint(a.Field(i)), fmt.Sprint(b.Field(i)); fa != fb {
						out = append(out, fmt.Sprintf("%s%s: %s | %s", prefix, join(name, t.Field(i).Name), fa, fb))
					}
					continue
				}
				walk(join(name, t.Field(i).Name), a.Field(i), b.Field(i))
			}
		case reflect.Array, reflect.Slice:
			if a.Len() != b.Len() {
				out = append(out, fmt.Sprintf("%s%s: %d elements | %d", prefix, name, a.Len(), b.Len()))
				return
			}
			for i := 0; i < a.Len(); i++ {
				walk(elemName(name, i), a.Index(i), b.Index(i))
			}
		case reflect.Pointer, reflect.Interface, reflect.Map:
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				out = append(out, fmt.Sprintf("%s%s: %v | %v", prefix, name, a.Interface(), b.Interface()))
			}
		default:
			if !a.Equal(b) {
				out = append(out, fmt.Sprintf("%s%s: %s | %s", prefix, name, leaf(a), leaf(b)))
			}
		}
	}
	walk("", a, b)
	return out
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// elemName names element i of an array, with the architectural names of
// the general and segment registers.
func elemName(name string, i int) string {
	switch name {
	case "GPR":
		if i < len(gprNames) {
			return gprNames[i]
		}
	case "Seg":
		if i < len(segNames) {
			return segNames[i]
		}
	}
	return fmt.Sprintf("%s[%d]", name, i)
}

func leaf(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("%#x", v.Uint())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("%d", v.Int())
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}
