package srccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQEMURunsFollowICount: every QEMU run a test starts (a qemu.Config
// literal in a _test.go file, outside the benchmarks, which measure QEMU
// as users run it) drives QEMU's clock by its instruction count. On the
// host clock, where the guest's ticks fall depends on how much CPU a
// loaded host gives QEMU, and with it the order of lines, what a sleep
// spans and whether PatchGuard's watchdog sees a missed beat.
func TestQEMURunsFollowICount(t *testing.T) {
	root := "../.."
	fset := token.NewFileSet()
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if fn, ok := n.(*ast.FuncDecl); ok && strings.HasPrefix(fn.Name.Name, "Benchmark") {
				return false
			}
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isQEMUConfig(lit.Type) {
				return true
			}
			seen++
			if !setsICount(lit) {
				t.Errorf("%s: a QEMU run on the host clock (qemu.Config without ICount: true)", fset.Position(lit.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no qemu.Config literal found in the tests: the check has lost its target")
	}
}

func isQEMUConfig(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Config" {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "qemu"
}

func setsICount(lit *ast.CompositeLit) bool {
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		k, ok := kv.Key.(*ast.Ident)
		if !ok || k.Name != "ICount" {
			continue
		}
		v, ok := kv.Value.(*ast.Ident)
		return ok && v.Name == "true"
	}
	return false
}
