package emu

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/kernel/abi"
)

// TestSymbolsFollowModuleEvents: the machine names kernel addresses from the
// ELF file and a driver's from its module-loaded event, and a restored
// snapshot taken before the load forgets the driver.
func TestSymbolsFollowModuleEvents(t *testing.T) {
	m := bootKernel(t, "autorun=sleep 50;load hello;poweroff", 1)
	res := m.Symbols()
	entry, err := res.Address("kmain")
	require.NoError(t, err)
	require.Equal(t, "kernel!kmain+0x4", res.Name(entry+4))
	_, err = res.Address("kmian")
	require.ErrorIs(t, err, ErrNoSymbol)

	before, err := m.Snapshot()
	require.NoError(t, err)
	var loaded Event
	m.Subscribe(func(e Event) {
		if e.Type == abi.EvModuleLoaded && strings.HasPrefix(e.Text, "hello") {
			loaded = e
		}
	})
	s := m.runWatched(t, parityGuestLimit)
	m.gate(t, s.Reason == StopDebugExit, s)
	require.NotZero(t, loaded.Type, "no module-loaded event for hello\n%s", m.serial.String())
	base := loaded.Args[0]
	mods := res.Modules()
	require.NotEmpty(t, mods)
	last := mods[len(mods)-1]
	require.Equal(t, "hello", last.Name)
	require.Equal(t, base, last.Base)
	require.NotNil(t, last.Syms, "the hello object comes from the boot archive")
	a, err := res.Address("hello!driver_entry")
	require.NoError(t, err)
	require.Equal(t, "hello!driver_entry+0x0", res.Name(a))
	require.Contains(t, res.Names(), "hello!driver_entry")

	require.NoError(t, m.Restore(before))
	require.Len(t, m.Symbols().Modules(), len(before.Drivers))
	_, err = m.Symbols().Address("hello!driver_entry")
	require.Error(t, err)
}
