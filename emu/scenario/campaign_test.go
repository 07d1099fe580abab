package scenario

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Shards partition a campaign: every job in exactly one shard, with the
// index, seed and variant it has in the whole campaign.
func TestPlanShards(t *testing.T) {
	scs := parseOne(t, `
scenario "a" {
  seeds = "1..7"
  step {
    at = "1ms"
    poke {
      phys          = "0x1000"
      xor           = "0x1"
      size          = 1
      restore_after = ["1ms", "2ms"]
    }
  }
  expect { no_bugcheck_for = "5ms" }
}
scenario "b" {
  expect { no_bugcheck_for = "5ms" }
}
`)
	all := mustJobs(t, Plan{}, scs)
	require.Len(t, all, 15)
	for _, n := range []int{1, 2, 4, 15, 16} {
		seen := map[int]Job{}
		for k := 0; k < n; k++ {
			part := mustJobs(t, Plan{Shard: k, Shards: n}, scs)
			for _, j := range part {
				_, dup := seen[j.Index]
				require.False(t, dup, "job %d in two shards of %d", j.Index, n)
				seen[j.Index] = j
			}
		}
		require.Len(t, seen, len(all), "%d shards", n)
		for _, j := range all {
			require.Equal(t, j, seen[j.Index])
		}
	}
	// A campaign too large to queue is refused before anything is allocated.
	_, err := Plan{Repeat: 1_000_000_000_000}.Jobs(scs)
	require.ErrorIs(t, err, ErrTooManyJobs)
	_, err = Plan{Repeat: MaxJobs}.Jobs(scs)
	require.ErrorIs(t, err, ErrTooManyJobs, "two scenarios x two variants x a million")

	for _, bad := range []string{"", "1", "2/2", "-1/3", "a/b", "0/0"} {
		_, err := ParseShard(bad)
		require.Error(t, err, bad)
	}
	sh, err := ParseShard("3/8")
	require.NoError(t, err)
	require.Equal(t, Shard{3, 8}, sh)
}

// normalized is a report's JSON without the host-time fields, which differ
// between any two runs.
func normalized(t *testing.T, rep *Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, rep.WriteJSON(&b))
	var v any
	require.NoError(t, json.Unmarshal(b.Bytes(), &v))
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"wall_ns", "start_ns", "elapsed_ns", "machine_ns"} {
				delete(x, k)
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	out, err := json.MarshalIndent(v, "", " ")
	require.NoError(t, err)
	return string(out)
}

// Merging the shards' reports gives the report of the unsharded campaign:
// the same runs, summaries, totals and text.
func TestMergeEqualsUnsharded(t *testing.T) {
	scs := parseOne(t, `
scenario "race" {
  append = "pg.profile=test"
  seeds  = "1..3"
  step {
    at     = "40ms"
    attack = true
    poke {
      symbol        = "service_table"
      offset        = 8
      xor           = "0x1"
      size          = 1
      restore_after = ["100us", "3ms"]
    }
  }
  expect {
    bugcheck = "0x109"
    within   = "4ms"
    measure  = true
  }
}
scenario "quiet" {
  expect { no_bugcheck_for = "30ms" }
}
`)
	loaded := Loaded{Scenarios: scs, Errors: []*FileError{{File: "broken.hcl", Diags: nil}}}
	all := mustJobs(t, Plan{}, scs)
	results := RunAll(all, testParallel(), nil)
	single := NewReport(append(loaded.ErrorResults(), results...))
	single.TotalJobs, single.Campaign = len(all), Fingerprint(all)

	// Each shard holds its share of the jobs (the same runs: a run depends
	// only on its job, which kppemu run --shard's own test checks end to
	// end) and the file errors.
	byIndex := map[int]*Result{}
	for _, r := range results {
		byIndex[r.Job] = r
	}
	var shards []*Report
	for k := 2; k >= 0; k-- { // any order
		part := mustJobs(t, Plan{Shard: k, Shards: 3}, scs)
		var rs []*Result
		for _, j := range part {
			rs = append(rs, byIndex[j.Index])
		}
		rep := NewReport(append(loaded.ErrorResults(), rs...))
		rep.TotalJobs, rep.Shard, rep.Campaign = len(all), &Shard{k, 3}, Fingerprint(all)
		var b bytes.Buffer
		require.NoError(t, rep.WriteJSON(&b))
		back, err := ReadJSON(&b)
		require.NoError(t, err)
		shards = append(shards, back)
	}
	merged, err := Merge(shards)
	require.NoError(t, err)
	require.Equal(t, normalized(t, single), normalized(t, merged))

	var a, b bytes.Buffer
	require.NoError(t, single.WriteText(&a, TextOptions{}))
	require.NoError(t, merged.WriteText(&b, TextOptions{}))
	wallRE := func(s string) string { // WALL and elapsed columns differ
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if i := strings.LastIndex(l, "  "); i > 0 && strings.HasSuffix(l, "s") {
				l = l[:i]
			}
			if strings.HasPrefix(l, "3 scenarios") || strings.HasPrefix(l, "  (") {
				l = "totals"
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	require.Equal(t, wallRE(a.String()), wallRE(b.String()))

	// A missing shard is reported, with the runs that came.
	partial, err := Merge(shards[:2])
	require.ErrorContains(t, err, "no report from shard 0/3") // shards holds 2, 1, 0
	require.False(t, partial.Passed)
	require.Less(t, len(partial.Results), len(single.Results))
	// A shard of another campaign (other seeds) is refused.
	other := *shards[1]
	other.Campaign = Fingerprint(mustJobs(t, Plan{Repeat: 3}, scs))
	_, err = Merge([]*Report{shards[0], &other, shards[2]})
	require.ErrorContains(t, err, "report 2 is from another campaign")
	// Two copies of one shard overlap.
	_, err = Merge([]*Report{shards[0], shards[0], shards[1], shards[2]})
	require.ErrorContains(t, err, "is in reports 1 and 2")
}

// A cancelled context stops the runs in flight and returns the finished
// ones only.
func TestRunAllInterrupted(t *testing.T) {
	scs := parseOne(t, `
scenario "short" {
  expect { no_bugcheck_for = "50ms" }
}
scenario "long" {
  expect { no_bugcheck_for = "20h" }
}
`)
	ctx, cancel := context.WithCancel(context.Background())
	var done []*Result
	results := RunAllContext(ctx, mustJobs(t, Plan{}, scs), 2, func(n, total int, r *Result) {
		done = append(done, r)
		cancel() // the long run, in flight, stops at once
	})
	require.Len(t, results, 1)
	require.Equal(t, done[0], results[0])
	require.Equal(t, "short", results[0].Scenario)
	require.Equal(t, Pass, results[0].Outcome)

	// Cancelled before anything ran.
	results = RunAllContext(ctx, mustJobs(t, Plan{}, scs), 2, nil)
	require.Empty(t, results)
}

// The serial capture keeps at most maxSerial bytes and maxMarks
// timestamps however the guest writes, counts the rest, and marks the cut.
func TestCapWriterBounded(t *testing.T) {
	clock := uint64(0)
	w := &capWriter{now: func() uint64 { clock++; return clock }}
	one := []byte("x")
	for i := 0; i < maxSerial+5000; i++ {
		if n, err := w.Write(one); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	require.Equal(t, maxSerial, w.buf.Len())
	require.Equal(t, uint64(5000), w.dropped)
	require.LessOrEqual(t, len(w.marks), maxMarks)
	require.True(t, strings.HasSuffix(w.transcript(), "[kppemu: serial output truncated here: 5000 more bytes dropped]\n"))
	// Timestamps stay ordered and approximate.
	for i := 1; i < len(w.marks); i++ {
		require.Less(t, w.marks[i-1].off, w.marks[i].off)
		require.Less(t, w.marks[i-1].t, w.marks[i].t)
	}
	require.LessOrEqual(t, w.timeAt(maxSerial-1), clock)
}

// A guest that writes to the UART in a tight loop fills the capture, which
// stops at its cap: host memory stays bounded and the report says what
// was dropped.
func TestRunSerialFloodBounded(t *testing.T) {
	defer func(n int) { maxSerial = n }(maxSerial)
	maxSerial = 256 << 10 // a smaller cap fills sooner
	const n = 400_000
	code := []byte{0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
		0xb9, 0, 0, 0, 0, // mov ecx, n
		0xee,       // 1: out dx, al
		0xff, 0xc9, // dec ecx
		0x75, 0xfb, // jnz 1b
		0xf4,       // 2: hlt
		0xeb, 0xfd} // jmp 2b
	binary.LittleEndian.PutUint32(code[5:], n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := runOne(t, fmt.Sprintf(`
scenario "flood" {
  append   = "pg=off"
  drivers  = ["initrd"]
  max_time = "100ms"
  step {
    after = "shell-ready"
    poke {
      symbol = "printk"
      bytes  = "%s"
    }
  }
  step {
    after = "shell-ready + 1us"
    type  = "echo flood" # the shell's next printk enters the loop
  }
  expect { no_bugcheck_for = "90ms" }
}
`, hex.EncodeToString(code)))
	runtime.ReadMemStats(&after)
	require.Equal(t, Pass, r.Outcome, "%v %s", r.Failures, r.Observed)
	require.Greater(t, r.SerialDropped, uint64(n-maxSerial), r.Observed)
	require.Contains(t, r.Observed, "serial truncated")
	// 128 MiB of guest RAM, the transcript and its bookkeeping.
	t.Logf("allocated %d MiB, %d serial bytes dropped", (after.TotalAlloc-before.TotalAlloc)>>20, r.SerialDropped)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<30))
}

// After a missed deadline the run goes on for the grace period and says
// when the bug check came.
func TestRunLateDetection(t *testing.T) {
	r := runOne(t, `
scenario "late" {
  append  = "pg.profile=test"
  drivers = ["initrd"]
  step {
    at     = "40ms"
    attack = true
    poke {
      symbol = "service_table"
      offset = 8
      xor    = "0x1"
      size   = 1
    }
  }
  expect {
    bugcheck = "0x109"
    within   = "1us"
    grace    = "500ms"
  }
}
`)
	require.Equal(t, Fail, r.Outcome)
	require.True(t, r.Late)
	require.NotNil(t, r.BugCheck, "the bug check after the deadline is reported")
	require.Greater(t, *r.LatencyNS, uint64(1000))
	require.Contains(t, strings.Join(r.Failures, "\n"), "bug check came late")
	rep := NewReport([]*Result{r})
	require.Equal(t, 1, rep.Totals.Late)
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b, TextOptions{Width: DefaultWidth}))
	require.Contains(t, b.String(), "(1 detected late)")
}

// A guest that floods the event port: the run keeps the first maxEvents
// events, counts the rest, and says so.
func TestRunEventFloodBounded(t *testing.T) {
	syms, err := KernelSymbols(images.Kernel())
	require.NoError(t, err)
	printk, ok := syms.Lookup("printk")
	require.True(t, ok)
	phys := printk.Addr - 0xFFFFFFFF80000000 // the kernel is linked at -2 GiB + 1 MiB and loaded at 1 MiB
	const n = 150_000
	code := []byte{0xb8, 0, 0, 0, 0, // mov eax, record
		0x66, 0xba, abi.EventPort & 0xff, abi.EventPort >> 8, // mov dx, EventPort
		0xb9, 0, 0, 0, 0, // mov ecx, n
		0xef,       // 1: out dx, eax
		0xff, 0xc9, // dec ecx
		0x75, 0xfb, // jnz 1b
		0xf4,       // 2: hlt
		0xeb, 0xfd, // jmp 2b
		0, 0}
	binary.LittleEndian.PutUint32(code[1:], uint32(phys)+uint32(len(code)))
	binary.LittleEndian.PutUint32(code[10:], n)
	rec := make([]byte, abi.EventHeaderSize+5)
	binary.LittleEndian.PutUint32(rec[0:], abi.EventMagic)
	binary.LittleEndian.PutUint32(rec[4:], abi.EvLog)
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(rec)))
	copy(rec[abi.EventHeaderSize:], "flood")
	r := runOne(t, fmt.Sprintf(`
scenario "event_flood" {
  append   = "pg=off"
  drivers  = ["initrd"]
  max_time = "100ms"
  step {
    after = "shell-ready"
    poke {
      phys  = "%#x"
      bytes = "%s"
    }
  }
  step {
    after = "shell-ready + 1us"
    type  = "echo flood" # the shell's next printk floods
  }
  expect {
    event = "log"
    text  = "^flood$"
  }
}
`, phys, hex.EncodeToString(append(code, rec...))))
	require.Equal(t, Pass, r.Outcome, "%v %s", r.Failures, r.Observed)
	require.GreaterOrEqual(t, r.EventsDropped, uint64(n-maxEvents))
	require.Contains(t, r.Observed, "events not kept")
}
