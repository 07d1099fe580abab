package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunTiny runs the machinery on one small workload on kppemu only: the
// checksum line matches the host's and instructions are counted. No
// assertion on time: speed is `make bench`'s business.
func TestRunTiny(t *testing.T) {
	w, ok := Lookup("crc32")
	require.True(t, ok)
	w.Rounds = 2
	res, err := Run(Options{Workloads: []Workload{w}, Runs: 1})
	require.NoError(t, err)
	require.Len(t, res, 1)
	r := res[0]
	require.Equal(t, w.Want(), r.Checksum)
	require.Greater(t, r.Instr, uint64(0))
	require.False(t, r.HasQEMU)
}

// TestChecksumLine reads the program's line and exit report and refuses a
// failed exit.
func TestChecksumLine(t *testing.T) {
	serial := "kpp> run bench sieve 2\r\n~ bench sieve: 2 rounds\r\nbench sieve: 82025 primes\r\n" +
		"~ proc: pid 1 (bench) exited, status 0x0\r\nrun: bench (pid 1) exited, status 0x0\r\n"
	got, err := Checksum(serial, "sieve")
	require.NoError(t, err)
	require.Equal(t, "82025 primes", got)
	w, _ := Lookup("sieve")
	require.Equal(t, w.Want(), got)

	_, err = Checksum("bench sieve: 1 primes\nrun: bench (pid 1) exited, status 0x1\n", "sieve")
	require.Error(t, err)
	_, err = Checksum("run: bench (pid 1) exited, status 0x0\n", "sieve")
	require.Error(t, err)
}

// TestWorkloadTable: every workload has a reference answer and rounds, or is
// a whole boot with a command line; names are unique.
func TestWorkloadTable(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range Workloads {
		require.False(t, seen[w.Name], w.Name)
		seen[w.Name] = true
		if w.Whole {
			require.NotEmpty(t, w.Args, w.Name)
			continue
		}
		require.NotEmpty(t, w.Want(), w.Name)
		require.Greater(t, w.Rounds, uint64(1), w.Name)
	}
	require.Contains(t, Cmdline("sysloop", 5), "autorun=sysloop 5;poweroff")
	require.Contains(t, Cmdline("irqloop", 5), "autorun=irqloop 5;poweroff")
	require.Contains(t, Cmdline("syscall", 5), "autorun=run bench syscall 5;poweroff")
	require.Contains(t, Cmdline("fp", 5), "autorun=run benchfp fp 5;poweroff")
}

// TestGuestWorkloads runs each workload of the programs briefly (2 rounds) on kppemu,
// in the tier the environment selects: the guest's checksum matches the host's
// reference (the floating-point ones bit for bit).
func TestGuestWorkloads(t *testing.T) {
	for _, name := range []string{"fp", "vec", "x87", "str", "vm"} {
		t.Run(name, func(t *testing.T) {
			w, ok := Lookup(name)
			require.True(t, ok)
			b, err := RunKppemu(Cmdline(name, 2), "")
			require.NoError(t, err)
			got, err := Checksum(b.Serial, name)
			require.NoError(t, err)
			require.Equal(t, w.Want(), got)
		})
	}
}

// TestIRQLoop runs the interrupt workload briefly on kppemu: its checksum
// matches the host's and the 10 kHz interrupts arrived (about one per 10^5
// instructions of guest time).
func TestIRQLoop(t *testing.T) {
	w, ok := Lookup("irqloop")
	require.True(t, ok)
	b, err := RunKppemu(Cmdline("irqloop", 3000), "")
	require.NoError(t, err)
	got, err := Checksum(b.Serial, "irqloop")
	require.NoError(t, err)
	require.Equal(t, w.Want(), got)
	require.Regexp(t, `~ irqloop: 3000 rounds, [1-9][0-9]* interrupts`, b.Serial)
}
