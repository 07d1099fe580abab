package srccheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPeopleFinding(t *testing.T) {
	bad := []string{
		"// Added by the SMP engineer.",
		"/* The engineers agreed on this layout. */",
		"# an engineer's workaround",
		"// written in a helper session",
		"// fixed by another helper",
		"// asked the other helper to merge it",
		"// the helper wrote this before the rework",
		"// as the lead asked",
		"// the lead's integration fixed it",
		"// left for a later session",
		"// the previous session's note",
		"// session notes say why",
		"// found in session 3",
		"// see issue 9",
		"// (issue #12)",
		"// issues 9 and 13 want this",
		"// item 3 of issue 13: merge the copies",
		"// Issue 10.",
		"// fixes #42",
		"// closes GH-7",
		"// the issue asks for a progress bar",
	}
	for _, s := range bad {
		require.NotEmpty(t, peopleFinding(s), "not caught: %q", s)
	}
	good := []string{
		"// flag helpers of the integer group files",
		"// Helpers shared by the attack drivers",
		"// Test helper shared by every cpu test file",
		"// the raise helpers return a *Fault",
		"// A Session executes one command line at a time",
		"// HistoryFile keeps the history between sessions",
		"// a scripted session that does not power off",
		"// a debugging session over one machine",
		"// PCI configuration mechanism #1 ports",
		"// the #GP handler records the fault",
		"// CPUs issue 4 instructions per cycle",
		"// issue a command to the device",
		"// reverse-engineered from the firmware's tables",
		"// the lead byte of a UTF-8 sequence",
		"// a lead-in for the table",
	}
	for _, s := range good {
		require.Empty(t, peopleFinding(s), "legitimate text caught: %q", s)
	}
}

func TestComments(t *testing.T) {
	c := Comments(LangC, []byte("int a; /* one\n two */ char *s = \"// not\";\n// three\nchar c = '\"'; // four\n"))
	require.Equal(t, []Comment{{1, "/* one\n two */"}, {3, "// three"}, {4, "// four"}}, c)

	g := Comments(LangGo, []byte("package p\n\n// doc\nvar s = `/* raw */` // tail\n"))
	require.Equal(t, []Comment{{3, "// doc"}, {4, "// tail"}}, g)

	a := Comments(LangAsm, []byte("#include <x.h>\n#define N 1\n\tmov $1, %eax # set\n# a line comment\n.asciz \"#DE\"\n"))
	require.Equal(t, []Comment{{3, "# set"}, {4, "# a line comment"}}, a)

	h := Comments(LangHCL, []byte("# one\nx = \"#no\" // two\ny = <<EOT\n# not a comment\nEOT\n/* three */\n"))
	require.Equal(t, []Comment{{1, "# one"}, {2, "// two"}, {6, "/* three */"}}, h)

	m := Comments(LangHash, []byte("A := 1 # one\nB := \\#x\n\t@echo hi\n# two\n"))
	require.Equal(t, []Comment{{1, "# one"}, {4, "# two"}}, m)
}

// TestCommentsSpeakOfCode fails when a comment in the repository's Go, C,
// assembly, linker-script, Makefile or HCL files speaks of who wrote the
// code, when, or which tracker entry asked for it: comments say why the
// code is as it is.
func TestCommentsSpeakOfCode(t *testing.T) {
	root := filepath.Join("..", "..")
	var bad []string
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// Hidden directories (.git) and the images' object files.
			if p != root && (strings.HasPrefix(d.Name(), ".") || p == filepath.Join(root, "images", "obj")) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		l := LangOf(filepath.ToSlash(rel))
		if l == LangNone || !d.Type().IsRegular() {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, c := range Comments(l, src) {
			for k, line := range strings.Split(c.Text, "\n") {
				if what := peopleFinding(line); what != "" {
					bad = append(bad, rel+":"+strconv.Itoa(c.Line+k)+": "+what+": "+strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 400, "the walk found too few source files: is the root right?")
	require.Empty(t, bad, "comments that speak of people, sessions or issues, not of the code:\n%s", strings.Join(bad, "\n"))
}
