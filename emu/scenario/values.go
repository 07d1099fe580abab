package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// parseUint reads a decimal or 0x-hexadecimal unsigned number.
func parseUint(s string) (uint64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number (decimal or 0x hex)", s)
	}
	return v, nil
}

// parseGuestDuration reads a Go duration ("2s", "150ms", "1m30s") of guest
// time and returns nanoseconds. Negative durations are refused.
func parseGuestDuration(s string) (uint64, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 2s, 150ms, 1m30s)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	if uint64(d) > MaxGuestTime {
		return 0, fmt.Errorf("duration %q is longer than %s of guest time, the limit of a scenario", s, fmtNS(MaxGuestTime))
	}
	return uint64(d), nil
}

// fmtNS renders guest nanoseconds compactly ("12.5ms", "3.2s").
func fmtNS(ns uint64) string {
	return time.Duration(ns).Round(time.Microsecond).String()
}

// maxSeeds bounds a seed range so that a typo cannot queue a billion runs.
const maxSeeds = 1_000_000

// parseSeeds reads "N", "A..B" (inclusive) or a comma-separated list of
// those.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if lo, hi, ok := strings.Cut(part, ".."); ok {
			a, err := parseUint(lo)
			if err != nil {
				return nil, fmt.Errorf("seed range %q: %v", part, err)
			}
			b, err := parseUint(hi)
			if err != nil {
				return nil, fmt.Errorf("seed range %q: %v", part, err)
			}
			if b < a {
				return nil, fmt.Errorf("seed range %q is empty (end below start)", part)
			}
			if b-a >= maxSeeds || len(out)+int(b-a+1) > maxSeeds {
				return nil, fmt.Errorf("seed range %q: more than %d seeds", part, maxSeeds)
			}
			for v := a; ; v++ {
				out = append(out, v)
				if v == b {
					break
				}
			}
			continue
		}
		v, err := parseUint(part)
		if err != nil {
			return nil, fmt.Errorf("seed %v", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseMem reads "128M", "1G", "65536K" or a plain number of MiB.
func parseMem(text string) (uint64, error) {
	s := strings.TrimSpace(text)
	mult := uint64(1 << 20)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K', 'k':
			mult, s = 1<<10, s[:n-1]
		case 'M', 'm':
			mult, s = 1<<20, s[:n-1]
		case 'G', 'g':
			mult, s = 1<<30, s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 || v > (1<<40)/mult {
		return 0, fmt.Errorf("bad memory size %q (want e.g. 128M or 1G)", text)
	}
	return v * mult, nil
}

// eventTypes maps event names ("pg-armed") to their codes.
var eventTypes = func() map[string]uint32 {
	m := map[string]uint32{}
	for t := uint32(1); t < 64; t++ {
		if n := emu.EventTypeName(t); !strings.HasPrefix(n, "event-") {
			m[n] = t
		}
	}
	return m
}()

// parseEventType reads an event name ("bug-check") or number.
func parseEventType(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if t, ok := eventTypes[s]; ok {
		return t, nil
	}
	if v, err := parseUint(s); err == nil && v < 1<<32 {
		return uint32(v), nil
	}
	names := make([]string, 0, len(eventTypes))
	for t := uint32(1); t < 64; t++ {
		if n := emu.EventTypeName(t); !strings.HasPrefix(n, "event-") {
			names = append(names, n)
		}
	}
	if sg := suggest(s, names); sg != "" {
		return 0, fmt.Errorf("unknown event %q; did you mean %q? (known: %s)", s, sg, strings.Join(names, ", "))
	}
	return 0, fmt.Errorf("unknown event %q (known: %s)", s, strings.Join(names, ", "))
}

// regionTypeNames names the PatchGuard region types as the stop screen does.
var regionTypeNames = map[uint64]string{
	abi.PGGenericData:         "generic data region",
	abi.PGFunction:            "function modification",
	abi.PGIDT:                 "processor IDT",
	abi.PGGDT:                 "processor GDT",
	abi.PGProcessList:         "process list corruption",
	abi.PGHandleTableList:     "handle table list corruption",
	abi.PGDebugRoutine:        "debug routine",
	abi.PGCriticalMSR:         "critical MSR",
	abi.PGObjectType:          "object type",
	abi.PGInterruptDispatch:   "interrupt dispatch table",
	abi.PGServiceTable:        "system service function",
	abi.PGImportTable:         "import table",
	abi.PGControlRegister:     "processor control register",
	abi.PGLocalAPIC:           "local APIC",
	abi.PGNotificationCallout: "kernel notification callout",
	abi.PGLoadedModuleList:    "loaded module list",
	abi.PGDriverObject:        "driver object",
	abi.PGProtectedProcess:    "protected process",
	abi.PGCheckerContext:      "checker context / heartbeat",
	abi.PGPageTables:          "page table entries",
	abi.PGTaskState:           "task state segment",
}

// RegionTypeName names a region type ("0x1 function modification").
func RegionTypeName(t uint64) string {
	if n, ok := regionTypeNames[t]; ok {
		return fmt.Sprintf("%#x %s", t, n)
	}
	return fmt.Sprintf("%#x", t)
}

// parseTypeSet reads "0x1", "0x4|0x5" or "any" (nil set = any).
func parseTypeSet(s string) ([]uint64, error) {
	s = strings.TrimSpace(s)
	if s == "any" || s == "*" {
		return nil, nil
	}
	var out []uint64
	for _, p := range strings.Split(s, "|") {
		v, err := parseUint(p)
		if err != nil {
			return nil, fmt.Errorf("region type %v", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func fmtTypeSet(ts []uint64) string {
	if len(ts) == 0 {
		return "any"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%#x", t)
	}
	return strings.Join(parts, "|")
}

func inSet(ts []uint64, v uint64) bool {
	if len(ts) == 0 {
		return true
	}
	for _, t := range ts {
		if t == v {
			return true
		}
	}
	return false
}
