package emu

import (
	"fmt"

	"github.com/kppemu/kppemu/cpu"
)

// resolveAccel returns the tier Config.Accel names, or, when it is empty,
// the one the environment variable KPPEMU_ACCEL names (the interpreter
// when that is unset too).
func resolveAccel(name string) (cpu.Accel, error) {
	if name == "" {
		return cpu.AccelFromEnv()
	}
	a, err := cpu.ParseAccel(name)
	if err != nil {
		return 0, fmt.Errorf("machine configuration: %w", err)
	}
	return a, nil
}

// SetAccel moves every processor to tier a (from their next instruction
// on). On an error no processor has changed tier.
func (m *Machine) SetAccel(a cpu.Accel) error {
	old := m.CPUs[0].Accel()
	for i, c := range m.CPUs {
		if err := c.SetAccel(a); err != nil {
			for _, d := range m.CPUs[:i] {
				_ = d.SetAccel(old) // back to the tier they ran in, which worked
			}
			return fmt.Errorf("cpu %d: %w", i, err)
		}
	}
	m.cfg.Accel = a.String()
	return nil
}

// Accel returns the tier the machine's processors run in.
func (m *Machine) Accel() cpu.Accel { return m.CPUs[0].Accel() }
