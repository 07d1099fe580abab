package scenario

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/kppemu/kppemu/kernel/abi"
)

// DefaultMaxTime is a scenario's guest-time limit when it names none.
const DefaultMaxTime = 30_000_000_000

// Scenario is one validated `scenario "NAME" { ... }` block.
type Scenario struct {
	Name        string
	File        string // the file it came from
	Dir         string // the file's directory: relative image paths start here
	Pos         string // file:line:col of the block
	Description string

	Kernel   string   // kernel file; "" = the embedded kernel
	Drivers  []string // boot modules: "initrd", embedded driver names or files, each optionally followed by " ARGS"
	Programs []string // programs the scenario starts (checked against the embedded images)
	Append   string   // kernel command line
	MemBytes uint64   // 0 = emu.DefaultMemBytes
	Seeds    []uint64 // one run per seed (and per variant)
	MaxTime  uint64   // guest ns
	Requires []string // "driver:NAME", "program:NAME", "symbol:NAME": missing -> SKIP

	Steps   []*Step
	Expects []*Expect
}

// Variants returns the scenario's variants: one per restore_after value of
// the step that lists several (A19's patch durations), else one unnamed.
func (s *Scenario) Variants() []string {
	for _, st := range s.Steps {
		if st.Poke != nil && len(st.Poke.RestoreAfter) > 1 {
			out := make([]string, len(st.Poke.RestoreAfter))
			for i, d := range st.Poke.RestoreAfter {
				out[i] = "restore_after=" + fmtNS(d)
			}
			return out
		}
	}
	return []string{""}
}

// Action kinds of a step.
const (
	ActType  = "type"  // type a shell command
	ActLoad  = "load"  // type "load NAME"
	ActStart = "start" // type "start PROGRAM" (in the background)
	ActPoke  = "poke"  // write guest memory
	ActFlip  = "flip"  // flip a bit in a random protected region
	ActMSR   = "msr"   // write an MSR
	ActReg   = "reg"   // set a register
)

// Step is one timed action.
type Step struct {
	Index int    // 1-based, in file order
	Pos   string // file:line:col

	// When: At (guest ns since boot) or After an event (+ Delay); Jitter
	// adds U[0, Jitter) drawn from the run's seed.
	HasAt     bool
	At        uint64
	After     uint32
	AfterName string
	AfterText *regexp.Regexp
	Delay     uint64
	Jitter    uint64
	// Attack marks the step detection latency is measured from (default:
	// the last step executed before the bug check).
	Attack bool

	Kind string
	Text string // type, load, start: the shell command (load/start: the argument)
	Poke *Poke
	Flip *Flip
	Reg  *RegWrite // msr and reg
}

// Poke writes guest memory.
type Poke struct {
	// Where: Symbol (kernel symbol, or "driver!symbol") + Offset, a
	// virtual address (Virt) + Offset, or a physical address (Phys).
	Symbol string
	Virt   uint64
	Phys   uint64
	IsPhys bool
	Offset uint64
	// What: Bytes, or Value (Size bytes, little-endian; ValueSym resolves
	// a symbol's address at run time), or Xor (XOR into each of Size bytes).
	Bytes    []byte
	Value    uint64
	ValueSym string
	Size     int
	Xor      uint64
	IsXor    bool
	// RestoreAfter puts the original bytes back after this much guest
	// time; several values make variants (one run per value).
	RestoreAfter []uint64
}

// Flip flips one random bit (or XORs one random byte with a random
// non-zero value) at a random offset of a random announced region.
type Flip struct {
	Types []uint64 // candidate region types; nil = any
	Byte  bool
}

// RegWrite writes an MSR (Name "msr", Index) or a register.
type RegWrite struct {
	Name  string
	Index uint32
	Value uint64
	Set   uint64 // bits to set (with Clear: read-modify-write)
	Clear uint64
	RMW   bool
}

// Expectation kinds.
const (
	ExpBugCheck   = "bugcheck"
	ExpNoBugCheck = "no_bugcheck"
	ExpEvent      = "event"
	ExpSerial     = "serial"
)

// Expect is one expectation.
type Expect struct {
	Pos  string
	Kind string

	Code    uint64   // bugcheck
	Types   []uint64 // bugcheck: parameter 4 must be one of these (nil: any)
	Within  uint64   // bugcheck/event: guest ns after the attack step (0: until the end)
	Measure bool     // bugcheck: record detection and latency, never fail for a miss
	// CrashOK: the machine going down another way within the bound
	// (another bug check, a triple fault) passes too, counted as a crash.
	CrashOK bool
	// TypeFlipped: parameter 4 must be the type of the region a flip step hit.
	TypeFlipped bool
	For         uint64 // no_bugcheck: guest ns since boot
	Event       uint32 // event
	EventName   string
	Args        []*uint64 // event: nil entries match anything
	Text        *regexp.Regexp
	Serial      *regexp.Regexp
	Raw         string
}

// Describe renders what the expectation wants ("0x109 type 0x1 within 20s").
func (e *Expect) Describe() string {
	switch e.Kind {
	case ExpBugCheck:
		s := fmt.Sprintf("%#x", e.Code)
		if len(e.Types) > 0 {
			s += " type " + fmtTypeSet(e.Types)
		}
		if e.TypeFlipped {
			if len(e.Types) > 0 {
				s += "|flipped"
			} else {
				s += " type flipped"
			}
		}
		if e.Within > 0 {
			s += " within " + fmtNS(e.Within)
		}
		if e.Measure {
			s += " (measured)"
		}
		if e.CrashOK {
			s += " (or a crash)"
		}
		return s
	case ExpNoBugCheck:
		return "no bug check for " + fmtNS(e.For)
	case ExpEvent:
		s := "event " + e.EventName
		if e.Text != nil {
			s += fmt.Sprintf(" text~%q", e.Text.String())
		}
		if e.Within > 0 {
			s += " within " + fmtNS(e.Within)
		}
		return s
	case ExpSerial:
		return fmt.Sprintf("serial ~ %q", e.Serial.String())
	}
	return e.Kind
}

// FileError is a file that could not be read or parsed at all, or a
// scenario in it that failed validation. Diags name file:line:column.
type FileError struct {
	File  string
	Name  string // the scenario's name when known
	Diags hcl.Diagnostics
}

func (e *FileError) Error() string { return FormatDiags(e.Diags) }

// FormatDiags renders diagnostics one per line as "file:line:col: summary: detail".
func FormatDiags(diags hcl.Diagnostics) string {
	var lines []string
	for _, d := range diags {
		lines = append(lines, formatDiag(d))
	}
	return strings.Join(lines, "\n")
}

func formatDiag(d *hcl.Diagnostic) string {
	msg := d.Summary
	if d.Detail != "" {
		msg += ": " + d.Detail
	}
	if d.Subject == nil {
		return msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, msg)
}

func posOf(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// ParseFile reads and parses a scenario file.
func ParseFile(path string) ([]*Scenario, []*FileError) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, []*FileError{{File: path, Diags: hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "cannot read scenario file", Detail: err.Error(),
			Subject: &hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}}}}}
	}
	return Parse(path, src)
}

// Parse parses scenario source; filename names it in diagnostics and
// anchors relative image paths. Each scenario block is validated on its
// own: a broken one yields a FileError and the others are still returned.
func Parse(filename string, src []byte) ([]*Scenario, []*FileError) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, []*FileError{{File: filename, Diags: diags}}
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, []*FileError{{File: filename, Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "not native HCL syntax"}}}}
	}
	var out []*Scenario
	var errs []*FileError
	var top hcl.Diagnostics
	for _, a := range sortedAttrs(body) {
		top = append(top, errAt(a.NameRange, "Unexpected attribute", fmt.Sprintf("%q: a scenario file holds only scenario \"NAME\" { ... } blocks", a.Name)))
	}
	seen := map[string]string{}
	for _, b := range body.Blocks {
		if b.Type != "scenario" {
			top = append(top, errAt(b.TypeRange, "Unexpected block", fmt.Sprintf("%q: a scenario file holds only scenario \"NAME\" { ... } blocks", b.Type)))
			continue
		}
		if len(b.Labels) != 1 || b.Labels[0] == "" {
			top = append(top, errAt(b.TypeRange, "Missing scenario name", `write scenario "NAME" { ... }`))
			continue
		}
		name := b.Labels[0]
		if prev, dup := seen[name]; dup {
			errs = append(errs, &FileError{File: filename, Name: name, Diags: hcl.Diagnostics{errAt(b.LabelRanges[0],
				"Duplicate scenario name", fmt.Sprintf("%q is already defined at %s", name, prev))}})
			continue
		}
		seen[name] = posOf(b.TypeRange)
		sc, d := decodeScenario(filename, b)
		sortDiags(d)
		if d.HasErrors() {
			errs = append(errs, &FileError{File: filename, Name: name, Diags: d})
			continue
		}
		out = append(out, sc)
	}
	if len(top) > 0 {
		errs = append([]*FileError{{File: filename, Diags: top}}, errs...)
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, &FileError{File: filename, Diags: hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "No scenarios", Detail: `the file defines no scenario "NAME" { ... } block`,
			Subject: &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}}}})
	}
	return out, errs
}

// sortDiags orders diagnostics by position in the file.
func sortDiags(d hcl.Diagnostics) {
	sort.SliceStable(d, func(i, j int) bool {
		a, b := d[i].Subject, d[j].Subject
		return a != nil && b != nil && a.Start.Byte < b.Start.Byte
	})
}

func errAt(r hcl.Range, summary, detail string) *hcl.Diagnostic {
	rr := r
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &rr}
}

func sortedAttrs(b *hclsyntax.Body) []*hclsyntax.Attribute {
	attrs := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for _, a := range b.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	return attrs
}

// body is a block being decoded: it hands out attributes by name, records
// which were used, and reports the rest as unexpected.
type body struct {
	b     *hclsyntax.Body
	what  string
	used  map[string]bool
	diags *hcl.Diagnostics
}

func newBody(b *hclsyntax.Body, what string, diags *hcl.Diagnostics) *body {
	return &body{b: b, what: what, used: map[string]bool{}, diags: diags}
}

func (b *body) errf(r hcl.Range, summary, format string, args ...any) {
	*b.diags = append(*b.diags, errAt(r, summary, fmt.Sprintf(format, args...)))
}

func (b *body) attr(name string) *hclsyntax.Attribute {
	b.used[name] = true
	return b.b.Attributes[name]
}

func (b *body) has(name string) bool { return b.b.Attributes[name] != nil }

// finish reports attributes and blocks nobody asked for.
func (b *body) finish(allowedBlocks ...string) {
	for _, a := range sortedAttrs(b.b) {
		if !b.used[a.Name] {
			b.errf(a.NameRange, "Unsupported attribute", "%q is not an attribute of %s", a.Name, b.what)
		}
	}
	for _, blk := range b.b.Blocks {
		ok := false
		for _, t := range allowedBlocks {
			ok = ok || blk.Type == t
		}
		if !ok {
			b.errf(blk.TypeRange, "Unsupported block", "%q blocks are not allowed in %s", blk.Type, b.what)
		}
	}
}

// value evaluates an attribute (literals only: no variables or functions).
func (b *body) value(a *hclsyntax.Attribute) (cty.Value, bool) {
	v, d := a.Expr.Value(nil)
	if d.HasErrors() {
		*b.diags = append(*b.diags, d...)
		return cty.NilVal, false
	}
	if v.IsNull() || !v.IsWhollyKnown() {
		b.errf(a.Expr.Range(), "Invalid value", "%q must not be null", a.Name)
		return cty.NilVal, false
	}
	return v, true
}

// str returns a string attribute ("" and false when absent or bad).
func (b *body) str(name string) (string, hcl.Range, bool) {
	a := b.attr(name)
	if a == nil {
		return "", hcl.Range{}, false
	}
	v, ok := b.value(a)
	if !ok {
		return "", a.Expr.Range(), false
	}
	switch {
	case v.Type() == cty.String:
		return v.AsString(), a.Expr.Range(), true
	case v.Type() == cty.Number:
		// Numbers are accepted where strings are (seed = 3, offset = 16).
		return v.AsBigFloat().Text('f', -1), a.Expr.Range(), true
	case v.Type() == cty.Bool:
		b.errf(a.Expr.Range(), "Invalid value", "%q must be a string, not a bool", name)
	default:
		b.errf(a.Expr.Range(), "Invalid value", "%q must be a string", name)
	}
	return "", a.Expr.Range(), false
}

// strs returns a string or a list of strings.
func (b *body) strs(name string) ([]string, hcl.Range, bool) {
	a := b.attr(name)
	if a == nil {
		return nil, hcl.Range{}, false
	}
	v, ok := b.value(a)
	if !ok {
		return nil, a.Expr.Range(), false
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, a.Expr.Range(), true
	}
	if !v.Type().IsTupleType() && !v.Type().IsListType() {
		b.errf(a.Expr.Range(), "Invalid value", "%q must be a string or a list of strings", name)
		return nil, a.Expr.Range(), false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		switch {
		case e.IsNull():
			b.errf(a.Expr.Range(), "Invalid value", "%q: list elements must not be null", name)
			return nil, a.Expr.Range(), false
		case e.Type() == cty.String:
			out = append(out, e.AsString())
		case e.Type() == cty.Number:
			out = append(out, e.AsBigFloat().Text('f', -1))
		default:
			b.errf(a.Expr.Range(), "Invalid value", "%q: list elements must be strings", name)
			return nil, a.Expr.Range(), false
		}
	}
	return out, a.Expr.Range(), true
}

func (b *body) boolean(name string) (bool, bool) {
	a := b.attr(name)
	if a == nil {
		return false, false
	}
	v, ok := b.value(a)
	if !ok {
		return false, false
	}
	if v.Type() != cty.Bool {
		b.errf(a.Expr.Range(), "Invalid value", "%q must be true or false", name)
		return false, false
	}
	return v.True(), true
}

func (b *body) num(name string) (uint64, hcl.Range, bool) {
	s, r, ok := b.str(name)
	if !ok {
		return 0, r, false
	}
	v, err := parseUint(s)
	if err != nil {
		// A whole HCL number too big for uint64 also lands here.
		if f, _, e := big.ParseFloat(s, 10, 256, big.ToNearestEven); e == nil && !f.IsInt() {
			err = fmt.Errorf("%s is not a whole number", s)
		}
		b.errf(r, "Invalid number", "%s: %v", name, err)
		return 0, r, false
	}
	return v, r, true
}

func (b *body) dur(name string) (uint64, hcl.Range, bool) {
	s, r, ok := b.str(name)
	if !ok {
		return 0, r, false
	}
	v, err := parseGuestDuration(s)
	if err != nil {
		b.errf(r, "Invalid duration", "%s: %v", name, err)
		return 0, r, false
	}
	return v, r, true
}

func (b *body) re(name string) (*regexp.Regexp, bool) {
	s, r, ok := b.str(name)
	if !ok {
		return nil, false
	}
	x, err := regexp.Compile(s)
	if err != nil {
		b.errf(r, "Invalid regular expression", "%s: %v", name, err)
		return nil, false
	}
	return x, true
}

func decodeScenario(filename string, blk *hclsyntax.Block) (*Scenario, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	b := newBody(blk.Body, fmt.Sprintf("scenario %q", blk.Labels[0]), &diags)
	sc := &Scenario{Name: blk.Labels[0], File: filename, Dir: filepath.Dir(filename), Pos: posOf(blk.TypeRange), MaxTime: DefaultMaxTime}
	sc.Description, _, _ = b.str("description")
	if rs, r, ok := b.strs("requires"); ok {
		for _, q := range rs {
			kind, _, found := strings.Cut(q, ":")
			if !found || (kind != "driver" && kind != "program" && kind != "symbol") {
				b.errf(r, "Invalid requirement", "%q: want driver:NAME, program:NAME or symbol:NAME", q)
			}
		}
		sc.Requires = rs
	}
	if k, r, ok := b.str("kernel"); ok && k != "embedded" && k != "" {
		sc.Kernel = k
		if _, err := os.Stat(sc.path(k)); err != nil {
			b.errf(r, "Kernel not found", "%v", err)
		}
	}
	if ds, r, ok := b.strs("drivers"); ok {
		for _, d := range ds {
			if err := sc.checkModule(d); err != nil {
				b.errf(r, "Unknown driver", "%v", err)
			}
		}
		sc.Drivers = ds
	} else if sc.Kernel == "" {
		sc.Drivers = []string{"initrd"}
	}
	if ps, _, ok := b.strs("programs"); ok {
		sc.Programs = ps
	}
	sc.Append, _, _ = b.str("append")
	if s, r, ok := b.str("mem"); ok {
		v, err := parseMem(s)
		if err != nil {
			b.errf(r, "Invalid memory size", "%v", err)
		}
		sc.MemBytes = v
	}
	if b.has("seed") && b.has("seeds") {
		b.errf(b.b.Attributes["seeds"].NameRange, "Conflicting attributes", "give either seed or seeds, not both")
	}
	if v, _, ok := b.num("seed"); ok {
		sc.Seeds = []uint64{v}
	}
	if s, r, ok := b.str("seeds"); ok {
		v, err := parseSeeds(s)
		if err != nil {
			b.errf(r, "Invalid seeds", "%v (want e.g. \"1..20\" or \"1,5,9\")", err)
		}
		sc.Seeds = v
	}
	if len(sc.Seeds) == 0 {
		sc.Seeds = []uint64{1}
	}
	var maxTimeRange hcl.Range
	hasMax := false
	if v, r, ok := b.dur("max_time"); ok {
		if v == 0 {
			b.errf(r, "Invalid duration", "max_time must be positive")
		}
		sc.MaxTime, maxTimeRange, hasMax = v, r, true
	}
	b.finish("step", "expect")

	for _, sb := range blk.Body.Blocks {
		switch sb.Type {
		case "step":
			st := decodeStep(sb, len(sc.Steps)+1, &diags)
			if st != nil {
				sc.Steps = append(sc.Steps, st)
			}
		case "expect":
			if e := decodeExpect(sb, &diags); e != nil {
				sc.Expects = append(sc.Expects, e)
			}
		}
	}
	if len(sc.Expects) == 0 && !diags.HasErrors() {
		diags = append(diags, errAt(blk.TypeRange, "No expectations", fmt.Sprintf("scenario %q has no expect { ... } block", sc.Name)))
	}
	nVariantSteps := 0
	for _, st := range sc.Steps {
		if st.Poke != nil && len(st.Poke.RestoreAfter) > 1 {
			nVariantSteps++
		}
	}
	if nVariantSteps > 1 {
		diags = append(diags, errAt(blk.TypeRange, "Too many variant lists", "only one step may list several restore_after values"))
	}
	// The run must last as long as the expectations look.
	need := uint64(0)
	for _, st := range sc.Steps {
		if st.HasAt {
			need = max(need, st.At+st.Jitter)
		}
	}
	for _, e := range sc.Expects {
		if e.Kind == ExpNoBugCheck {
			need = max(need, e.For)
		}
	}
	if hasMax && need > sc.MaxTime {
		diags = append(diags, errAt(maxTimeRange, "max_time too short",
			fmt.Sprintf("max_time %s ends before a step or expectation at %s", fmtNS(sc.MaxTime), fmtNS(need))))
	} else if !hasMax && need >= sc.MaxTime {
		sc.MaxTime = need + 1_000_000_000
	}
	return sc, diags
}

// path resolves a file name relative to the scenario file.
func (s *Scenario) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

func decodeStep(blk *hclsyntax.Block, index int, diags *hcl.Diagnostics) *Step {
	b := newBody(blk.Body, "a step", diags)
	st := &Step{Index: index, Pos: posOf(blk.TypeRange)}
	nerr := len(*diags)
	if len(blk.Labels) > 0 {
		b.errf(blk.LabelRanges[0], "Unexpected label", "step blocks take no label")
	}
	if v, _, ok := b.dur("at"); ok {
		st.HasAt, st.At = true, v
	}
	if s, r, ok := b.str("after"); ok {
		if st.HasAt {
			b.errf(r, "Conflicting attributes", "give either at or after, not both")
		}
		ev, delay, _ := strings.Cut(s, "+")
		t, err := parseEventType(ev)
		if err != nil {
			b.errf(r, "Invalid event", "after: %v", err)
		}
		st.After, st.AfterName = t, strings.TrimSpace(ev)
		if strings.TrimSpace(delay) != "" {
			d, err := parseGuestDuration(delay)
			if err != nil {
				b.errf(r, "Invalid duration", "after: %v", err)
			}
			st.Delay = d
		}
	}
	if x, ok := b.re("after_text"); ok {
		st.AfterText = x
		if st.After == 0 {
			b.errf(blk.TypeRange, "Missing attribute", "after_text needs after")
		}
	}
	if !st.HasAt && st.After == 0 && len(*diags) == nerr {
		b.errf(blk.TypeRange, "Missing time", "a step needs at = \"DURATION\" or after = \"EVENT [+ DURATION]\"")
	}
	st.Jitter, _, _ = b.dur("jitter")
	st.Attack, _ = b.boolean("attack")

	var kinds []string
	for _, k := range []string{ActType, ActLoad, ActStart} {
		if s, r, ok := b.str(k); ok {
			kinds = append(kinds, k)
			st.Kind, st.Text = k, s
			if strings.ContainsAny(s, "\r\n") {
				b.errf(r, "Invalid command", "%s: one line, no newline characters", k)
			}
			if strings.TrimSpace(s) == "" {
				b.errf(r, "Invalid command", "%s: empty", k)
			}
		}
	}
	for _, sub := range blk.Body.Blocks {
		switch sub.Type {
		case ActPoke:
			st.Kind, st.Poke = ActPoke, decodePoke(sub, diags)
		case ActFlip:
			st.Kind, st.Flip = ActFlip, decodeFlip(sub, diags)
		case ActMSR, ActReg:
			st.Kind, st.Reg = sub.Type, decodeReg(sub, diags)
		default:
			continue
		}
		kinds = append(kinds, sub.Type)
	}
	b.finish(ActPoke, ActFlip, ActMSR, ActReg)
	switch {
	case len(kinds) == 0 && len(*diags) == nerr:
		b.errf(blk.TypeRange, "Missing action", "a step needs one of: type, load, start (attributes) or poke, flip, msr, reg (blocks)")
	case len(kinds) > 1:
		b.errf(blk.TypeRange, "Several actions", "a step does one thing; this one has %s", strings.Join(kinds, ", "))
	}
	if len(*diags) > nerr {
		return nil
	}
	return st
}

func decodePoke(blk *hclsyntax.Block, diags *hcl.Diagnostics) *Poke {
	b := newBody(blk.Body, "poke", diags)
	p := &Poke{Size: 8}
	where := 0
	if s, _, ok := b.str("symbol"); ok {
		p.Symbol = s
		where++
	}
	if v, _, ok := b.num("addr"); ok {
		p.Virt = v
		where++
	}
	if v, _, ok := b.num("phys"); ok {
		p.Phys, p.IsPhys = v, true
		where++
	}
	if where != 1 {
		b.errf(blk.TypeRange, "Invalid poke", "give exactly one of symbol, addr (virtual) or phys")
	}
	p.Offset, _, _ = b.num("offset")
	what := 0
	if s, r, ok := b.str("bytes"); ok {
		raw, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil || len(raw) == 0 {
			b.errf(r, "Invalid bytes", "bytes: want hex bytes such as \"e9 00 00 00 00\"")
		}
		p.Bytes = raw
		what++
	}
	if s, r, ok := b.str("value"); ok {
		if v, err := parseUint(s); err == nil {
			p.Value = v
		} else if s != "" && !strings.ContainsAny(s, " \t") {
			p.ValueSym = s // a symbol's address, resolved at run time
		} else {
			b.errf(r, "Invalid value", "value: a number or a SYMBOL[+OFFSET]")
		}
		what++
	}
	if v, _, ok := b.num("xor"); ok {
		p.Xor, p.IsXor = v, true
		what++
	}
	if v, r, ok := b.num("size"); ok {
		if v != 1 && v != 2 && v != 4 && v != 8 {
			b.errf(r, "Invalid size", "size must be 1, 2, 4 or 8")
		}
		p.Size = int(v)
	}
	if what != 1 {
		b.errf(blk.TypeRange, "Invalid poke", "give exactly one of bytes, value or xor")
	}
	if ds, r, ok := b.strs("restore_after"); ok {
		for _, d := range ds {
			v, err := parseGuestDuration(d)
			if err != nil {
				b.errf(r, "Invalid duration", "restore_after: %v", err)
			}
			p.RestoreAfter = append(p.RestoreAfter, v)
		}
		if len(ds) == 0 {
			b.errf(r, "Invalid duration", "restore_after: empty list")
		}
	}
	b.finish()
	return p
}

func decodeFlip(blk *hclsyntax.Block, diags *hcl.Diagnostics) *Flip {
	b := newBody(blk.Body, "flip", diags)
	f := &Flip{}
	if s, r, ok := b.str("region_type"); ok {
		ts, err := parseTypeSet(s)
		if err != nil {
			b.errf(r, "Invalid region type", "%v", err)
		}
		f.Types = ts
	}
	if s, r, ok := b.str("mode"); ok {
		switch s {
		case "bit":
		case "byte":
			f.Byte = true
		default:
			b.errf(r, "Invalid mode", "mode: bit or byte")
		}
	}
	b.finish()
	return f
}

// regNames are the registers a reg step may set.
var regNames = []string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cr0", "cr2", "cr3", "cr4", "cr8",
	"dr0", "dr1", "dr2", "dr3", "dr6", "dr7"}

func decodeReg(blk *hclsyntax.Block, diags *hcl.Diagnostics) *RegWrite {
	b := newBody(blk.Body, blk.Type, diags)
	w := &RegWrite{Name: blk.Type}
	if blk.Type == ActMSR {
		if v, r, ok := b.num("index"); ok {
			if v >= 1<<32 {
				b.errf(r, "Invalid MSR", "index %#x does not fit 32 bits", v)
			}
			w.Index = uint32(v)
		} else {
			b.errf(blk.TypeRange, "Missing attribute", "msr needs index")
		}
	} else {
		if s, r, ok := b.str("name"); ok {
			w.Name = strings.ToLower(s)
			found := false
			for _, n := range regNames {
				found = found || n == w.Name
			}
			if !found {
				b.errf(r, "Unknown register", "%q (known: %s)", s, strings.Join(regNames, ", "))
			}
		} else {
			b.errf(blk.TypeRange, "Missing attribute", "reg needs name")
		}
	}
	hasValue := false
	if v, _, ok := b.num("value"); ok {
		w.Value, hasValue = v, true
	}
	if v, _, ok := b.num("set"); ok {
		w.Set, w.RMW = v, true
	}
	if v, _, ok := b.num("clear"); ok {
		w.Clear, w.RMW = v, true
	}
	if hasValue == w.RMW {
		b.errf(blk.TypeRange, "Invalid "+blk.Type, "give either value or set/clear")
	}
	b.finish()
	return w
}

func decodeExpect(blk *hclsyntax.Block, diags *hcl.Diagnostics) *Expect {
	b := newBody(blk.Body, "expect", diags)
	e := &Expect{Pos: posOf(blk.TypeRange)}
	nerr := len(*diags)
	if len(blk.Labels) > 0 {
		b.errf(blk.LabelRanges[0], "Unexpected label", "expect blocks take no label")
	}
	var kinds []string
	if s, r, ok := b.str("bugcheck"); ok {
		kinds = append(kinds, "bugcheck")
		e.Kind = ExpBugCheck
		v, err := parseUint(s)
		if err != nil {
			b.errf(r, "Invalid bug-check code", "%v", err)
		}
		e.Code = v
		if ts, r, ok := b.str("region_type"); ok {
			// "flipped" (alone or among alternatives) stands for the type of
			// the region a flip step hit.
			var alts []string
			for _, a := range strings.Split(ts, "|") {
				if strings.TrimSpace(a) == "flipped" {
					e.TypeFlipped = true
				} else {
					alts = append(alts, a)
				}
			}
			ts = strings.Join(alts, "|")
			if e.TypeFlipped && ts == "" {
				ts = "none"
			}
			set, err := parseTypeSet(ts)
			if ts == "none" {
				set, err = []uint64{}, nil
			}
			if err != nil {
				b.errf(r, "Invalid region type", "%v", err)
			}
			e.Types = set
			if e.Code != abi.BugCriticalStructureCorruption && set != nil {
				b.errf(r, "Invalid region type", "region_type applies to bug check 0x109 only")
			}
		}
		e.Measure, _ = b.boolean("measure")
		e.CrashOK, _ = b.boolean("crash_ok")
	}
	if v, _, ok := b.dur("no_bugcheck_for"); ok {
		kinds = append(kinds, "no_bugcheck_for")
		e.Kind, e.For = ExpNoBugCheck, v
	}
	if s, r, ok := b.str("event"); ok {
		kinds = append(kinds, "event")
		e.Kind = ExpEvent
		t, err := parseEventType(s)
		if err != nil {
			b.errf(r, "Invalid event", "%v", err)
		}
		e.Event, e.EventName = t, s
		if as, r, ok := b.strs("args"); ok {
			for _, a := range as {
				if a == "*" || a == "_" {
					e.Args = append(e.Args, nil)
					continue
				}
				v, err := parseUint(a)
				if err != nil {
					b.errf(r, "Invalid argument", "args: %v (or \"*\" for any)", err)
				}
				e.Args = append(e.Args, &v)
			}
		}
		e.Text, _ = b.re("text")
	}
	if x, ok := b.re("serial"); ok {
		kinds = append(kinds, "serial")
		e.Kind, e.Serial = ExpSerial, x
	}
	if e.Kind == ExpBugCheck || e.Kind == ExpEvent {
		e.Within, _, _ = b.dur("within")
	}
	b.finish()
	switch {
	case len(kinds) == 0 && len(*diags) == nerr:
		b.errf(blk.TypeRange, "Empty expectation", "an expect block needs one of: bugcheck, no_bugcheck_for, event, serial")
	case len(kinds) > 1:
		b.errf(blk.TypeRange, "Several expectations", "one expectation per expect block; this one has %s", strings.Join(kinds, ", "))
	}
	if len(*diags) > nerr {
		return nil
	}
	return e
}
