package scenario

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestParseErrors")

func TestParseGood(t *testing.T) {
	scs, errs := ParseFile("testdata/good.hcl")
	for _, e := range errs {
		t.Error(e)
	}
	require.Len(t, scs, 2)
	sc := scs[0]
	require.Equal(t, "everything", sc.Name)
	require.Equal(t, "testdata/good.hcl:2:1", sc.Pos)
	require.Equal(t, []uint64{3, 4, 5, 9}, sc.Seeds)
	require.Equal(t, uint64(64<<20), sc.MemBytes)
	require.Equal(t, uint64(2e9), sc.MaxTime)
	require.Equal(t, []string{"initrd", "hello a b"}, sc.Drivers)
	require.Len(t, sc.Steps, 9)

	st := sc.Steps
	require.Equal(t, ActType, st[0].Kind)
	require.Equal(t, uint64(20e6), st[0].At)
	require.Equal(t, ActLoad, st[1].Kind)
	require.Equal(t, "ticktest 3", st[1].Text)
	require.Equal(t, "module-loaded", st[1].AfterName)
	require.Equal(t, uint64(5e6), st[1].Delay)
	require.True(t, st[1].AfterText.MatchString("hello"))
	require.Equal(t, ActStart, st[2].Kind)
	require.True(t, st[3].Attack)
	require.Equal(t, uint64(10e6), st[3].Jitter)
	p := st[3].Poke
	require.Equal(t, "service_table", p.Symbol)
	require.Equal(t, uint64(8), p.Offset)
	require.Equal(t, uint64(0x4141), p.Value)
	require.Equal(t, 4, p.Size)
	require.Equal(t, []uint64{1e6, 5e6}, p.RestoreAfter)
	require.Equal(t, []string{"restore_after=1ms", "restore_after=5ms"}, sc.Variants())
	require.True(t, st[4].Poke.IsPhys)
	require.Equal(t, []byte{0xe9, 0, 0, 0, 0}, st[4].Poke.Bytes)
	require.True(t, st[5].Poke.IsXor)
	require.Equal(t, []uint64{1, 0}, st[6].Flip.Types)
	require.True(t, st[6].Flip.Byte)
	require.Equal(t, uint32(0xC0000082), st[7].Reg.Index)
	require.Equal(t, "cr4", st[8].Reg.Name)
	require.True(t, st[8].Reg.RMW)

	ex := sc.Expects
	require.Len(t, ex, 4)
	require.Equal(t, "0x109 type 0x4|0x5 within 100ms (measured)", ex[0].Describe())
	require.Equal(t, "no bug check for 50ms", ex[1].Describe())
	require.Nil(t, ex[2].Args[0])
	require.Equal(t, uint64(0x2000), *ex[2].Args[1])
	require.Equal(t, ExpSerial, ex[3].Kind)

	min := scs[1]
	require.Equal(t, []string{"initrd", "vendor_sample"}, min.Drivers, "the embedded kernel boots the machine kppemu boot starts by default")
	require.Equal(t, "", min.MachineNote())
	require.Equal(t, "64 MiB of RAM, boot module hello a b, no vendor_sample", sc.MachineNote())
	require.Equal(t, []uint64{1}, min.Seeds)
	require.Equal(t, uint64(DefaultMaxTime), min.MaxTime)
}

// TestParseErrors checks the diagnostics of broken files against golden
// files: every message names file:line:column, and the valid scenarios of
// a file with broken ones still come through.
func TestParseErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.hcl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			scs, errs := ParseFile(f)
			var b strings.Builder
			for _, sc := range scs {
				b.WriteString("ok " + sc.Name + "\n")
			}
			for _, e := range errs {
				for _, d := range e.Diags {
					line := formatDiag(d)
					require.True(t, strings.HasPrefix(line, f+":"), "diagnostic without file:line:col: %s", line)
					b.WriteString(line + "\n")
				}
			}
			golden := strings.TrimSuffix(f, ".hcl") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), b.String())
			require.NotEmpty(t, errs)
		})
	}
}

func TestParseValues(t *testing.T) {
	seeds, err := parseSeeds("1..3, 7")
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2, 3, 7}, seeds)
	_, err = parseSeeds("0..2000000")
	require.Error(t, err)
	_, err = parseSeeds("18446744073709551615..18446744073709551615")
	require.NoError(t, err)
	ts, err := parseTypeSet("0x4|5")
	require.NoError(t, err)
	require.Equal(t, []uint64{4, 5}, ts)
	ts, err = parseTypeSet("any")
	require.NoError(t, err)
	require.Nil(t, ts)
	d, err := parseGuestDuration("1m30s")
	require.NoError(t, err)
	require.Equal(t, uint64(90e9), d)
	_, err = parseGuestDuration("-1s")
	require.Error(t, err)
	_, err = parseMem("999999G")
	require.EqualError(t, err, `bad memory size "999999G" (want e.g. 128M or 1G)`, "the size as written, suffix included")
	require.Equal(t, []uint64{1, 2, 3, 99}, []uint64{percentile([]uint64{1, 2, 3, 99}, 25) - 0, 2, 3, percentile([]uint64{1, 2, 3, 99}, 99)})
}

// FuzzParse: no input makes the parser panic, and every diagnostic it
// returns names a position in the file.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/good.hcl", "testdata/bad/values.hcl", "testdata/bad/structure.hcl", "testdata/bad/syntax.hcl"} {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		scs, errs := Parse("fuzz.hcl", src)
		for _, e := range errs {
			for _, d := range e.Diags {
				if d.Subject == nil {
					t.Fatalf("diagnostic without a position: %s", formatDiag(d))
				}
			}
		}
		for _, sc := range scs {
			if len(sc.Seeds) == 0 || len(sc.Expects) == 0 || sc.MaxTime == 0 {
				t.Fatalf("accepted an incomplete scenario: %+v", sc)
			}
			_ = expectedText(sc)
			_ = sc.Variants()
		}
	})
}

// compare_with names a scenario of the same file measured over the same
// guest time.
func TestParseCompareWith(t *testing.T) {
	const ref = `
scenario "ref" {
  append       = "pg=off"
  max_time     = "10s"
  measure_from = "2s"
  expect { no_bugcheck_for = "10s" }
}
`
	scs, errs := Parse("cmp.hcl", []byte(ref+`
scenario "on" {
  max_time     = "10s"
  measure_from = "2s"
  compare_with = "ref"
  expect { no_bugcheck_for = "10s" }
}`))
	require.Empty(t, errs)
	require.Len(t, scs, 2)
	require.Equal(t, "ref", scs[1].CompareWith)
	require.Equal(t, uint64(2e9), scs[1].MeasureFrom)

	for _, c := range []struct{ body, want string }{
		{`max_time = "10s"
  measure_from = "2s"
  compare_with = "nope"`, `no scenario "nope" in this file`},
		{`max_time = "10s"
  measure_from = "3s"
  compare_with = "ref"`, `"ref" must have the same max_time and measure_from`},
		{`measure_from = "2s"
  compare_with = "ref"`, "compare_with needs max_time"},
		{`max_time = "10s"
  measure_from = "10s"`, "measure_from must come before max_time"},
	} {
		scs, errs := Parse("cmp.hcl", []byte(ref+`
scenario "on" {
  `+c.body+`
  expect { no_bugcheck_for = "10s" }
}`))
		require.Len(t, scs, 1, c.want)
		require.Len(t, errs, 1, c.want)
		require.Contains(t, errs[0].Error(), c.want)
		require.Contains(t, errs[0].Error(), "cmp.hcl:", "the error names its place")
	}
}

// A scenario file, and the kernel and driver files a scenario names, are
// read up to a bound: /dev/zero is refused, not read until memory runs out.
func TestFilesReadBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, errs := ParseFile("/dev/zero")
	require.Len(t, errs, 1)
	require.Contains(t, formatDiag(errs[0].Diags[0]), "/dev/zero:1:1: cannot read scenario file: scenario file /dev/zero: more than 16 MiB")

	for _, attr := range []string{`kernel = "/dev/zero"`, `drivers = ["/dev/zero"]`} {
		f := filepath.Join(t.TempDir(), "zero.hcl")
		src := "scenario \"zero\" {\n  mem = \"2M\"\n  " + attr + "\n  expect { no_bugcheck_for = \"1ms\" }\n}\n"
		require.NoError(t, os.WriteFile(f, []byte(src), 0o644))
		scs, errs := ParseFile(f)
		require.Empty(t, errs, attr)
		require.Len(t, scs, 1)
		r := RunJob(Job{Scenario: scs[0], Seed: 1})
		require.Equal(t, Error, r.Outcome, attr)
		require.Contains(t, r.Observed, "/dev/zero: more than 2 MiB, larger than the guest's 2 MiB of RAM; refused after reading that much", attr)
	}
}

// TestParseFrom checks scenarios made from others: the same runs as the
// scenario named, with only what the block changes changed.
func TestParseFrom(t *testing.T) {
	base, errs := ParseFile("testdata/good.hcl")
	require.Empty(t, errs)
	scs, errs := ParseFile("testdata/from/good.hcl")
	for _, e := range errs {
		t.Error(e)
	}
	require.Len(t, scs, 3)
	src, same, changed, only := base[0], scs[0], scs[1], scs[2]

	require.Equal(t, "same", same.Name)
	require.Equal(t, "testdata/from/good.hcl:2:1", same.Pos)
	require.Equal(t, "testdata/good.hcl:2:1", same.From)
	require.Equal(t, "testdata", same.Dir, "relative paths still start at the named scenario's file")
	for _, sc := range []*Scenario{same, src} {
		sc.Name, sc.File, sc.Pos, sc.From = "", "", "", ""
	}
	require.Equal(t, src, same, "without changes, the named scenario's runs")

	require.Equal(t, "everything, 20 seeds in the fast profile", changed.Description)
	require.Len(t, changed.Seeds, 20)
	require.Equal(t, "pg.profile=fast", changed.Append)
	require.Equal(t, uint64(64<<20), changed.MemBytes)
	require.Equal(t, uint64(30e9), changed.MaxTime)
	require.Len(t, changed.Steps, len(src.Steps))
	for i, st := range changed.Steps {
		want := src.Steps[i].At
		if st.HasAt {
			want += 5e9
		}
		require.Equal(t, want, st.At, "step %d", i+1)
		require.Equal(t, src.Steps[i].Kind, st.Kind)
	}
	require.Equal(t, uint64(20e6), src.Steps[0].At, "the named scenario is left alone")
	require.Equal(t, "0x109 type 0x4|0x5 within 16s (measured)", changed.Expects[0].Describe())
	require.Equal(t, "0x109 type 0x4|0x5 within 100ms (measured)", src.Expects[0].Describe())
	require.Equal(t, src.Expects[1:], changed.Expects[1:])

	require.Equal(t, "testdata/from/one.hcl:2:1", only.From)
	require.Equal(t, []uint64{4}, only.Seeds, "the named scenario's seeds unless the block gives its own")
	require.Equal(t, uint64(DefaultMaxTime), only.MaxTime)
}

// TestCampaignFiles: the long campaigns (make campaign, not run by make
// test) load without an error, their references included.
func TestCampaignFiles(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/campaign/*.hcl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	loaded := LoadFiles(files)
	for _, e := range loaded.Errors {
		t.Error(e)
	}
	require.NotEmpty(t, loaded.Scenarios)
}
