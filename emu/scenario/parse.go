package scenario

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/kernel/abi"
)

// DefaultMaxTime is a scenario's guest-time limit when it names none.
const DefaultMaxTime = 30_000_000_000

// MaxGuestTime bounds every guest duration of a scenario (24 guest hours):
// an idle guest runs an hour of guest time in seconds, but a typo such as
// at = "100000h" would still keep a machine busy for days.
const MaxGuestTime = 24 * 3600 * 1_000_000_000

// DefaultDrivers are the boot modules of a scenario with the embedded
// kernel that names none: the machine `kppemu boot` starts by default (the
// module archive and the sample vendor driver).
var DefaultDrivers = []string{"initrd", "vendor_sample"}

// Scenario is one validated `scenario "NAME" { ... }` block.
type Scenario struct {
	Name        string
	File        string // the file it came from
	Dir         string // the file's directory: relative image paths start here
	Pos         string // file:line:col of the block
	Description string

	Kernel  string   // kernel file; "" = the embedded kernel
	Drivers []string // boot modules: "initrd", embedded driver names or files, each optionally followed by " ARGS"
	// ExplicitDrivers: the file named its drivers (else DefaultDrivers).
	ExplicitDrivers bool
	Programs        []string // programs the scenario starts (checked against the embedded images)
	Append          string   // kernel command line
	MemBytes        uint64   // 0 = emu.DefaultMemBytes
	Seeds           []uint64 // one run per seed (and per variant)
	MaxTime         uint64   // guest ns
	Requires        []string // "driver:NAME", "program:NAME", "symbol:NAME": missing -> SKIP
	// MeasureFrom: guest time at which the run notes the machine's
	// instruction count (0: not noted); CompareWith: the scenario of the
	// same file whose run of the same seed is the reference for the
	// instructions from then to the end (overhead against pg=off).
	MeasureFrom  uint64
	CompareWith  string
	compareRange hcl.Range
	// From: file:line:col of the scenario this one was made from (a
	// `from` reference), "" for a scenario written out in full.
	From string

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
	ActKill  = "kill"  // type "kill PID" with the pid of a running program
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
	Text string // type, load, start, kill: the shell command (load/start: the argument; kill: a program name)
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

	Code   uint64   // bugcheck
	Types  []uint64 // bugcheck: parameter 4 must be one of these (nil: any)
	Within uint64   // bugcheck/event: guest ns after the attack step (0: until the end)
	// Grace: after a missed Within deadline the run goes on this long to
	// report when (and whether) the bug check came; HasGrace when given.
	Grace    uint64
	HasGrace bool
	Measure  bool // bugcheck: record detection and latency, never fail for a miss
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

// maxScenarioFile bounds a scenario file (the largest shipped is a few
// KiB): /dev/zero or a stray binary is refused, not read into memory.
const maxScenarioFile = 16 << 20

// ParseFile reads and parses a scenario file.
func ParseFile(path string) ([]*Scenario, []*FileError) {
	src, err := hostio.ReadFile(path, maxScenarioFile, "scenario file", "the "+hostio.FormatSize(maxScenarioFile)+" a scenario file may have")
	if err != nil {
		return nil, []*FileError{{File: path, Diags: hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "cannot read scenario file", Detail: err.Error(),
			Subject: &hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}}}}}
	}
	return Parse(path, src)
}

// The schema of a scenario file, decoded by gohcl: unknown attributes and
// blocks, missing or extra labels and repeated attributes are the HCL
// library's diagnostics (with its "Did you mean" suggestions). Attributes
// are kept as *hcl.Attribute so that the values, checked below, keep their
// positions for the messages.
type fileHCL struct {
	Scenarios []*scenarioHCL `hcl:"scenario,block"`
}

type scenarioHCL struct {
	Name      string    `hcl:"name,label"`
	TypeRange hcl.Range `hcl:",type_range"`
	NameRange hcl.Range `hcl:"name,label_range"`

	Description *hcl.Attribute `hcl:"description,optional"`
	Kernel      *hcl.Attribute `hcl:"kernel,optional"`
	Drivers     *hcl.Attribute `hcl:"drivers,optional"`
	Programs    *hcl.Attribute `hcl:"programs,optional"`
	Append      *hcl.Attribute `hcl:"append,optional"`
	Mem         *hcl.Attribute `hcl:"mem,optional"`
	Seed        *hcl.Attribute `hcl:"seed,optional"`
	Seeds       *hcl.Attribute `hcl:"seeds,optional"`
	MaxTime     *hcl.Attribute `hcl:"max_time,optional"`
	Requires    *hcl.Attribute `hcl:"requires,optional"`
	MeasureFrom *hcl.Attribute `hcl:"measure_from,optional"`
	CompareWith *hcl.Attribute `hcl:"compare_with,optional"`

	// A scenario made from another: From names it, Within and ShiftSteps
	// change its bound and step times (decodeFrom).
	From       *hcl.Attribute `hcl:"from,optional"`
	Within     *hcl.Attribute `hcl:"within,optional"`
	ShiftSteps *hcl.Attribute `hcl:"shift_steps,optional"`

	Steps   []*stepHCL   `hcl:"step,block"`
	Expects []*expectHCL `hcl:"expect,block"`
}

type stepHCL struct {
	TypeRange hcl.Range `hcl:",type_range"`

	At        *hcl.Attribute `hcl:"at,optional"`
	After     *hcl.Attribute `hcl:"after,optional"`
	AfterText *hcl.Attribute `hcl:"after_text,optional"`
	Jitter    *hcl.Attribute `hcl:"jitter,optional"`
	Attack    *hcl.Attribute `hcl:"attack,optional"`

	Type  *hcl.Attribute `hcl:"type,optional"`
	Load  *hcl.Attribute `hcl:"load,optional"`
	Start *hcl.Attribute `hcl:"start,optional"`
	Kill  *hcl.Attribute `hcl:"kill,optional"`

	Poke []*pokeHCL `hcl:"poke,block"`
	Flip []*flipHCL `hcl:"flip,block"`
	MSR  []*regHCL  `hcl:"msr,block"`
	Reg  []*regHCL  `hcl:"reg,block"`
}

type pokeHCL struct {
	TypeRange    hcl.Range      `hcl:",type_range"`
	Symbol       *hcl.Attribute `hcl:"symbol,optional"`
	Addr         *hcl.Attribute `hcl:"addr,optional"`
	Phys         *hcl.Attribute `hcl:"phys,optional"`
	Offset       *hcl.Attribute `hcl:"offset,optional"`
	Bytes        *hcl.Attribute `hcl:"bytes,optional"`
	Value        *hcl.Attribute `hcl:"value,optional"`
	Xor          *hcl.Attribute `hcl:"xor,optional"`
	Size         *hcl.Attribute `hcl:"size,optional"`
	RestoreAfter *hcl.Attribute `hcl:"restore_after,optional"`
}

type flipHCL struct {
	RegionType *hcl.Attribute `hcl:"region_type,optional"`
	Mode       *hcl.Attribute `hcl:"mode,optional"`
}

// regHCL is an msr or a reg block (index for msr, name for reg).
type regHCL struct {
	TypeRange hcl.Range      `hcl:",type_range"`
	Index     *hcl.Attribute `hcl:"index,optional"`
	Name      *hcl.Attribute `hcl:"name,optional"`
	Value     *hcl.Attribute `hcl:"value,optional"`
	Set       *hcl.Attribute `hcl:"set,optional"`
	Clear     *hcl.Attribute `hcl:"clear,optional"`
}

type expectHCL struct {
	TypeRange hcl.Range `hcl:",type_range"`

	BugCheck      *hcl.Attribute `hcl:"bugcheck,optional"`
	RegionType    *hcl.Attribute `hcl:"region_type,optional"`
	Within        *hcl.Attribute `hcl:"within,optional"`
	Grace         *hcl.Attribute `hcl:"grace,optional"`
	Measure       *hcl.Attribute `hcl:"measure,optional"`
	CrashOK       *hcl.Attribute `hcl:"crash_ok,optional"`
	NoBugCheckFor *hcl.Attribute `hcl:"no_bugcheck_for,optional"`
	Event         *hcl.Attribute `hcl:"event,optional"`
	Args          *hcl.Attribute `hcl:"args,optional"`
	Text          *hcl.Attribute `hcl:"text,optional"`
	Serial        *hcl.Attribute `hcl:"serial,optional"`
}

// Parse parses scenario source; filename names it in diagnostics and
// anchors relative image paths. Each scenario block is validated on its
// own: a broken one yields a FileError and the others are still returned.
func Parse(filename string, src []byte) ([]*Scenario, []*FileError) {
	return parse(filename, src, map[string]*refFile{})
}

// refFile is a file that `from` references name, parsed once per Parse.
type refFile struct {
	scs  []*Scenario
	errs []*FileError
}

// parse parses one file; refs holds the files referenced so far (nil while
// parsing a referenced file: a scenario made from another cannot itself be
// the source of one, so references never chain or loop).
func parse(filename string, src []byte, refs map[string]*refFile) ([]*Scenario, []*FileError) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, []*FileError{{File: filename, Diags: diags}}
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, []*FileError{{File: filename, Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "not native HCL syntax",
			Subject: &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}}}}}
	}
	// The top level first, block by block, so that one scenario's errors
	// never hide another scenario.
	var top hcl.Diagnostics
	var blocks []*hclsyntax.Block
	for _, a := range sortedAttrs(body) {
		top = append(top, errAt(a.NameRange, "Unsupported argument",
			fmt.Sprintf("%q: a scenario file holds only scenario \"NAME\" { ... } blocks", a.Name)))
	}
	for _, b := range body.Blocks {
		if b.Type != "scenario" {
			detail := fmt.Sprintf("%q: a scenario file holds only scenario \"NAME\" { ... } blocks", b.Type)
			if s := suggest(b.Type, []string{"scenario"}); s != "" {
				detail += fmt.Sprintf(". Did you mean %q?", s)
			}
			top = append(top, errAt(b.TypeRange, "Unsupported block type", detail))
			continue
		}
		blocks = append(blocks, b)
	}
	var out []*Scenario
	var errs []*FileError
	seen := map[string]string{}
	for _, b := range blocks {
		var one fileHCL
		d := gohcl.DecodeBody(&hclsyntax.Body{Blocks: hclsyntax.Blocks{b}, SrcRange: b.Range(), EndRange: b.CloseBraceRange}, nil, &one)
		if len(one.Scenarios) != 1 {
			sortDiags(d)
			name := ""
			if len(b.Labels) > 0 {
				name = b.Labels[0]
			}
			errs = append(errs, &FileError{File: filename, Name: name, Diags: d})
			continue
		}
		sh := one.Scenarios[0]
		if sh.Name == "" {
			errs = append(errs, &FileError{File: filename, Diags: hcl.Diagnostics{errAt(sh.NameRange, "Missing scenario name", `write scenario "NAME" { ... }`)}})
			continue
		}
		if prev, dup := seen[sh.Name]; dup {
			errs = append(errs, &FileError{File: filename, Name: sh.Name, Diags: hcl.Diagnostics{errAt(sh.NameRange,
				"Duplicate scenario name", fmt.Sprintf("%q is already defined at %s", sh.Name, prev))}})
			continue
		}
		seen[sh.Name] = posOf(sh.TypeRange)
		// The schema's diagnostics (unknown names) and the values' together.
		var sc *Scenario
		var vd hcl.Diagnostics
		if sh.From != nil {
			sc, vd = decodeFrom(filename, sh, refs)
		} else {
			sc, vd = decodeScenario(filename, sh)
		}
		d = append(d, vd...)
		sortDiags(d)
		if d.HasErrors() {
			errs = append(errs, &FileError{File: filename, Name: sh.Name, Diags: d})
			continue
		}
		out = append(out, sc)
	}
	// A reference must be a scenario of the file measured over the same
	// guest time.
	valid := out[:0:0]
	for _, sc := range out {
		i := slices.IndexFunc(out, func(o *Scenario) bool { return o.Name == sc.CompareWith })
		var why string
		switch {
		case sc.CompareWith == "":
		case i < 0:
			why = fmt.Sprintf("no scenario %q in this file", sc.CompareWith)
		case out[i].MaxTime != sc.MaxTime || out[i].MeasureFrom != sc.MeasureFrom:
			why = fmt.Sprintf("%q must have the same max_time and measure_from", sc.CompareWith)
		}
		if why == "" {
			valid = append(valid, sc)
			continue
		}
		errs = append(errs, &FileError{File: filename, Name: sc.Name, Diags: hcl.Diagnostics{errAt(sc.compareRange, "Invalid reference", why)}})
	}
	out = valid
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

// conv turns decoded attributes into Go values, recording a diagnostic at
// the value's position when one does not fit.
type conv struct {
	diags *hcl.Diagnostics
}

func (c conv) errf(r hcl.Range, summary, format string, args ...any) {
	*c.diags = append(*c.diags, errAt(r, summary, fmt.Sprintf(format, args...)))
}

// value evaluates an attribute (literals only: no variables or functions).
func (c conv) value(a *hcl.Attribute) (cty.Value, bool) {
	v, d := a.Expr.Value(nil)
	if d.HasErrors() {
		*c.diags = append(*c.diags, d...)
		return cty.NilVal, false
	}
	if v.IsNull() || !v.IsWhollyKnown() {
		c.errf(a.Expr.Range(), "Invalid value", "%q must not be null", a.Name)
		return cty.NilVal, false
	}
	return v, true
}

// str returns a string attribute ("" and false when absent or bad).
func (c conv) str(a *hcl.Attribute) (string, hcl.Range, bool) {
	if a == nil {
		return "", hcl.Range{}, false
	}
	v, ok := c.value(a)
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
		c.errf(a.Expr.Range(), "Invalid value", "%q must be a string, not a bool", a.Name)
	default:
		c.errf(a.Expr.Range(), "Invalid value", "%q must be a string", a.Name)
	}
	return "", a.Expr.Range(), false
}

// strs returns a string or a list of strings.
func (c conv) strs(a *hcl.Attribute) ([]string, hcl.Range, bool) {
	if a == nil {
		return nil, hcl.Range{}, false
	}
	v, ok := c.value(a)
	if !ok {
		return nil, a.Expr.Range(), false
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, a.Expr.Range(), true
	}
	if !v.Type().IsTupleType() && !v.Type().IsListType() {
		c.errf(a.Expr.Range(), "Invalid value", "%q must be a string or a list of strings", a.Name)
		return nil, a.Expr.Range(), false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		switch {
		case e.IsNull():
			c.errf(a.Expr.Range(), "Invalid value", "%q: list elements must not be null", a.Name)
			return nil, a.Expr.Range(), false
		case e.Type() == cty.String:
			out = append(out, e.AsString())
		case e.Type() == cty.Number:
			out = append(out, e.AsBigFloat().Text('f', -1))
		default:
			c.errf(a.Expr.Range(), "Invalid value", "%q: list elements must be strings", a.Name)
			return nil, a.Expr.Range(), false
		}
	}
	return out, a.Expr.Range(), true
}

func (c conv) boolean(a *hcl.Attribute) (bool, bool) {
	if a == nil {
		return false, false
	}
	v, ok := c.value(a)
	if !ok {
		return false, false
	}
	if v.Type() != cty.Bool {
		c.errf(a.Expr.Range(), "Invalid value", "%q must be true or false", a.Name)
		return false, false
	}
	return v.True(), true
}

func (c conv) num(a *hcl.Attribute) (uint64, hcl.Range, bool) {
	s, r, ok := c.str(a)
	if !ok {
		return 0, r, false
	}
	v, err := parseUint(s)
	if err != nil {
		// A whole HCL number too big for uint64 also lands here.
		if f, _, e := big.ParseFloat(s, 10, 256, big.ToNearestEven); e == nil && !f.IsInt() {
			err = fmt.Errorf("%s is not a whole number", s)
		}
		c.errf(r, "Invalid number", "%s: %v", a.Name, err)
		return 0, r, false
	}
	return v, r, true
}

// dur reads a guest duration of at most MaxGuestTime.
func (c conv) dur(a *hcl.Attribute) (uint64, hcl.Range, bool) {
	s, r, ok := c.str(a)
	if !ok {
		return 0, r, false
	}
	v, err := parseGuestDuration(s)
	if err != nil {
		c.errf(r, "Invalid duration", "%s: %v", a.Name, err)
		return 0, r, false
	}
	return v, r, true
}

func (c conv) re(a *hcl.Attribute) (*regexp.Regexp, bool) {
	s, r, ok := c.str(a)
	if !ok {
		return nil, false
	}
	x, err := regexp.Compile(s)
	if err != nil {
		c.errf(r, "Invalid regular expression", "%s: %v", a.Name, err)
		return nil, false
	}
	return x, true
}

func decodeScenario(filename string, sh *scenarioHCL) (*Scenario, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	c := conv{&diags}
	sc := &Scenario{Name: sh.Name, File: filename, Dir: filepath.Dir(filename), Pos: posOf(sh.TypeRange), MaxTime: DefaultMaxTime}
	sc.Description, _, _ = c.str(sh.Description)
	if rs, r, ok := c.strs(sh.Requires); ok {
		for _, q := range rs {
			kind, _, found := strings.Cut(q, ":")
			if !found || (kind != "driver" && kind != "program" && kind != "symbol") {
				c.errf(r, "Invalid requirement", "%q: want driver:NAME, program:NAME or symbol:NAME", q)
			}
		}
		sc.Requires = rs
	}
	if k, r, ok := c.str(sh.Kernel); ok && k != "embedded" && k != "" {
		sc.Kernel = k
		if _, err := os.Stat(sc.path(k)); err != nil {
			c.errf(r, "Kernel not found", "%v", err)
		}
	}
	if ds, r, ok := c.strs(sh.Drivers); ok {
		for _, d := range ds {
			if err := sc.checkModule(d); err != nil {
				c.errf(r, "Unknown driver", "%v", err)
			}
		}
		sc.Drivers = ds
		sc.ExplicitDrivers = true
	} else if sc.Kernel == "" {
		sc.Drivers = slices.Clone(DefaultDrivers)
	}
	if ps, r, ok := c.strs(sh.Programs); ok {
		for _, p := range ps {
			if err := sc.checkProgram(p); err != nil {
				c.errf(r, "Unknown program", "%v", err)
			}
		}
		sc.Programs = ps
	}
	sc.decodeMachine(sh, c)
	if len(sc.Seeds) == 0 {
		sc.Seeds = []uint64{1}
	}
	for _, a := range []*hcl.Attribute{sh.Within, sh.ShiftSteps} {
		if a != nil {
			c.errf(a.NameRange, "Unsupported argument", "%q goes only with from (it changes the scenario named there)", a.Name)
		}
	}
	maxTimeRange, hasMax := sc.decodeMaxTime(sh, c)
	if v, r, ok := c.dur(sh.MeasureFrom); ok {
		if v >= sc.MaxTime {
			c.errf(r, "Invalid duration", "measure_from must come before max_time (%s)", fmtNS(sc.MaxTime))
		}
		sc.MeasureFrom = v
	}
	if s, r, ok := c.str(sh.CompareWith); ok {
		if s == sh.Name {
			c.errf(r, "Invalid reference", "a scenario cannot be its own reference")
		}
		if !hasMax {
			c.errf(r, "Missing max_time", "compare_with needs max_time: both runs must end at the same guest time")
		}
		sc.CompareWith, sc.compareRange = s, r
	}

	for _, sb := range sh.Steps {
		if st := sc.decodeStep(sb, len(sc.Steps)+1, &diags); st != nil {
			sc.Steps = append(sc.Steps, st)
		}
	}
	for _, eb := range sh.Expects {
		if e := decodeExpect(eb, &diags); e != nil {
			sc.Expects = append(sc.Expects, e)
		}
	}
	if len(sc.Expects) == 0 && !diags.HasErrors() {
		diags = append(diags, errAt(sh.TypeRange, "No expectations", fmt.Sprintf("scenario %q has no expect { ... } block", sc.Name)))
	}
	nVariantSteps := 0
	for _, st := range sc.Steps {
		if st.Poke != nil && len(st.Poke.RestoreAfter) > 1 {
			nVariantSteps++
		}
	}
	if nVariantSteps > 1 {
		diags = append(diags, errAt(sh.TypeRange, "Too many variant lists", "only one step may list several restore_after values"))
	}
	sc.fitMaxTime(hasMax, maxTimeRange, c)
	return sc, diags
}

// decodeMachine reads the attributes a scenario made from another may
// also give: the command line, memory and seeds.
func (sc *Scenario) decodeMachine(sh *scenarioHCL, c conv) {
	if a, r, ok := c.str(sh.Append); ok {
		sc.Append = a
		// autorun= takes the rest of the command line: shell commands, which
		// are checked like typed ones.
		if i := strings.Index(" "+a, " autorun="); i >= 0 {
			for _, cmd := range strings.Split(a[i+len("autorun="):], ";") {
				if cmd = strings.TrimSpace(cmd); cmd != "" {
					sc.checkCommand(ActType, cmd, r, c)
				}
			}
		}
	}
	if s, r, ok := c.str(sh.Mem); ok {
		v, err := parseMem(s)
		if err != nil {
			c.errf(r, "Invalid memory size", "%v", err)
		}
		sc.MemBytes = v
	}
	if sh.Seed != nil && sh.Seeds != nil {
		c.errf(sh.Seeds.NameRange, "Conflicting attributes", "give either seed or seeds, not both")
	}
	if v, _, ok := c.num(sh.Seed); ok {
		sc.Seeds = []uint64{v}
	}
	if s, r, ok := c.str(sh.Seeds); ok {
		v, err := parseSeeds(s)
		if err != nil {
			c.errf(r, "Invalid seeds", "%v (want e.g. \"1..20\" or \"1,5,9\")", err)
		}
		sc.Seeds = v
	}
}

// decodeMaxTime reads max_time: whether it was given, and where.
func (sc *Scenario) decodeMaxTime(sh *scenarioHCL, c conv) (hcl.Range, bool) {
	v, r, ok := c.dur(sh.MaxTime)
	if !ok {
		return r, false
	}
	if v == 0 {
		c.errf(r, "Invalid duration", "max_time must be positive")
	}
	sc.MaxTime = v
	return r, true
}

// fitMaxTime makes the run last as long as the steps and expectations
// look: a given max_time that ends earlier is an error, a default one is
// raised to a second past them.
func (sc *Scenario) fitMaxTime(given bool, r hcl.Range, c conv) {
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
	if given && need > sc.MaxTime {
		c.errf(r, "max_time too short", "max_time %s ends before a step or expectation at %s", fmtNS(sc.MaxTime), fmtNS(need))
	} else if !given && need >= sc.MaxTime {
		sc.MaxTime = min(need+1_000_000_000, MaxGuestTime)
	}
}

// decodeFrom makes a scenario from another one, named by from =
// "FILE#NAME" (FILE relative to this file; "#NAME" may be left out when
// FILE holds one scenario): its machine, steps and expectations, with this
// block's name and, where given, its description, seeds, command line,
// memory and max_time; within replaces the bound of every bug-check
// expectation that has one, shift_steps moves every step given by `at`
// that much later. The scenario it names must be written out in full.
func decodeFrom(filename string, sh *scenarioHCL, refs map[string]*refFile) (*Scenario, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	c := conv{&diags}
	ref, r, ok := c.str(sh.From)
	if !ok {
		return nil, diags
	}
	for _, a := range []*hcl.Attribute{sh.Kernel, sh.Drivers, sh.Programs, sh.Requires, sh.MeasureFrom, sh.CompareWith} {
		if a != nil {
			c.errf(a.NameRange, "Unsupported argument", "%q comes with the scenario that from names; a scenario made from another gives only description, seed or seeds, append, mem, max_time, within and shift_steps", a.Name)
		}
	}
	for _, b := range sh.Steps {
		c.errf(b.TypeRange, "Unexpected step block", "a scenario made from another has that scenario's steps (shift_steps moves them)")
	}
	for _, b := range sh.Expects {
		c.errf(b.TypeRange, "Unexpected expect block", "a scenario made from another has that scenario's expectations (within changes their bound)")
	}
	if refs == nil {
		c.errf(sh.From.NameRange, "Chained from", "this scenario is named by another's from; the scenario from names must be written out in full")
	}
	if diags.HasErrors() {
		return nil, diags
	}
	file, name, _ := strings.Cut(ref, "#")
	if file == "" {
		c.errf(r, "Invalid from", "%q: want \"FILE#SCENARIO\" (FILE relative to this file)", ref)
		return nil, diags
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(filename), file)
	}
	rf := refs[path]
	if rf == nil {
		src, err := hostio.ReadFile(path, maxScenarioFile, "scenario file", "the "+hostio.FormatSize(maxScenarioFile)+" a scenario file may have")
		if err != nil {
			c.errf(r, "Invalid from", "%v", err)
			return nil, diags
		}
		rf = &refFile{}
		rf.scs, rf.errs = parse(path, src, nil)
		refs[path] = rf
	}
	var names []string
	var src *Scenario
	for _, o := range rf.scs {
		names = append(names, o.Name)
		if o.Name == name || (name == "" && len(rf.scs) == 1) {
			src = o
		}
	}
	for _, fe := range rf.errs {
		if fe.Name == name || fe.Name == "" {
			c.errf(r, "Invalid from", "%s: %s", file, strings.TrimSpace(fe.Error()))
			return nil, diags
		}
		names = append(names, fe.Name)
	}
	if src == nil {
		detail := fmt.Sprintf("%s has no scenario %q", file, name)
		if name == "" {
			detail = fmt.Sprintf("%s holds %d scenarios: name one (\"%s#NAME\")", file, len(names), file)
		} else if s := suggest(name, names); s != "" {
			detail += fmt.Sprintf("; did you mean %q?", s)
		}
		c.errf(r, "Invalid from", "%s", detail)
		return nil, diags
	}
	if src.CompareWith != "" {
		c.errf(r, "Invalid from", "%s: %q is measured against %q of its own file (compare_with); make it from that file", file, src.Name, src.CompareWith)
		return nil, diags
	}
	sc := *src
	sc.Name, sc.File, sc.Pos, sc.From = sh.Name, filename, posOf(sh.TypeRange), src.Pos
	if d, _, ok := c.str(sh.Description); ok {
		sc.Description = d
	}
	sc.Seeds = nil
	sc.decodeMachine(sh, c)
	if len(sc.Seeds) == 0 {
		sc.Seeds = src.Seeds
	}
	maxTimeRange, hasMax := sc.decodeMaxTime(sh, c)
	if v, wr, ok := c.dur(sh.Within); ok {
		if v == 0 {
			c.errf(wr, "Invalid duration", "within must be positive")
		}
		sc.Expects = make([]*Expect, len(src.Expects))
		n := 0
		for i, e := range src.Expects {
			cp := *e
			if e.Kind == ExpBugCheck && e.Within > 0 {
				cp.Within = v
				n++
			}
			sc.Expects[i] = &cp
		}
		if n == 0 {
			c.errf(wr, "Invalid within", "%q has no bug-check expectation with a within bound to change", src.Name)
		}
	}
	if v, _, ok := c.dur(sh.ShiftSteps); ok {
		sc.Steps = make([]*Step, len(src.Steps))
		for i, st := range src.Steps {
			cp := *st
			if cp.HasAt {
				cp.At += v
			}
			sc.Steps[i] = &cp
		}
	}
	if !hasMax {
		sc.MaxTime = src.MaxTime
	}
	sc.fitMaxTime(hasMax, maxTimeRange, c)
	return &sc, diags
}

// path resolves a file name relative to the scenario file.
func (s *Scenario) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// pidRefRE matches $pid(NAME) in typed commands.
var pidRefRE = regexp.MustCompile(`\$pid\(([^)]*)\)`)

func (sc *Scenario) decodeStep(sb *stepHCL, index int, diags *hcl.Diagnostics) *Step {
	c := conv{diags}
	st := &Step{Index: index, Pos: posOf(sb.TypeRange)}
	nerr := len(*diags)
	if v, _, ok := c.dur(sb.At); ok {
		st.HasAt, st.At = true, v
	}
	if s, r, ok := c.str(sb.After); ok {
		if st.HasAt {
			c.errf(r, "Conflicting attributes", "give either at or after, not both")
		}
		ev, delay, _ := strings.Cut(s, "+")
		t, err := parseEventType(ev)
		if err != nil {
			c.errf(r, "Invalid event", "after: %v", err)
		}
		st.After, st.AfterName = t, strings.TrimSpace(ev)
		if strings.TrimSpace(delay) != "" {
			d, err := parseGuestDuration(delay)
			if err != nil {
				c.errf(r, "Invalid duration", "after: %v", err)
			}
			st.Delay = d
		}
	}
	if x, ok := c.re(sb.AfterText); ok {
		st.AfterText = x
		if st.After == 0 {
			c.errf(sb.TypeRange, "Missing attribute", "after_text needs after")
		}
	}
	if !st.HasAt && st.After == 0 && len(*diags) == nerr {
		c.errf(sb.TypeRange, "Missing time", "a step needs at = \"DURATION\" or after = \"EVENT [+ DURATION]\"")
	}
	st.Jitter, _, _ = c.dur(sb.Jitter)
	st.Attack, _ = c.boolean(sb.Attack)

	var kinds []string
	for _, k := range []struct {
		kind string
		a    *hcl.Attribute
	}{{ActType, sb.Type}, {ActLoad, sb.Load}, {ActStart, sb.Start}, {ActKill, sb.Kill}} {
		s, r, ok := c.str(k.a)
		if !ok {
			continue
		}
		kinds = append(kinds, k.kind)
		st.Kind, st.Text = k.kind, s
		if strings.ContainsAny(s, "\r\n") {
			c.errf(r, "Invalid command", "%s: one line, no newline characters", k.kind)
		}
		if strings.TrimSpace(s) == "" {
			c.errf(r, "Invalid command", "%s: empty", k.kind)
			continue
		}
		sc.checkCommand(k.kind, s, r, c)
	}
	for _, p := range sb.Poke {
		st.Kind, st.Poke = ActPoke, sc.decodePoke(p, diags)
		kinds = append(kinds, ActPoke)
	}
	for _, f := range sb.Flip {
		st.Kind, st.Flip = ActFlip, decodeFlip(f, diags)
		kinds = append(kinds, ActFlip)
	}
	for _, m := range sb.MSR {
		st.Kind, st.Reg = ActMSR, decodeReg(ActMSR, m, diags)
		kinds = append(kinds, ActMSR)
	}
	for _, m := range sb.Reg {
		st.Kind, st.Reg = ActReg, decodeReg(ActReg, m, diags)
		kinds = append(kinds, ActReg)
	}
	switch {
	case len(kinds) == 0 && len(*diags) == nerr:
		c.errf(sb.TypeRange, "Missing action", "a step needs one of: type, load, start, kill (attributes) or poke, flip, msr, reg (blocks)")
	case len(kinds) > 1:
		c.errf(sb.TypeRange, "Several actions", "a step does one thing; this one has %s", strings.Join(kinds, ", "))
	}
	if len(*diags) > nerr {
		return nil
	}
	return st
}

// checkCommand rejects typed commands that name a driver or program that
// does not exist (unless a requirement says it may be missing).
func (sc *Scenario) checkCommand(kind, s string, r hcl.Range, c conv) {
	for _, m := range pidRefRE.FindAllStringSubmatch(s, -1) {
		if err := sc.checkProgram(m[1]); err != nil {
			c.errf(r, "Unknown program", "$pid(%s): %v", m[1], err)
		}
	}
	if strings.Contains(strings.ReplaceAll(s, "$pid(", ""), "$") && kind != ActType {
		c.errf(r, "Invalid command", "%s: the only substitution is $pid(PROGRAM)", kind)
	}
	words := strings.Fields(s)
	switch kind {
	case ActLoad:
		if err := sc.checkDriverName(words[0]); err != nil {
			c.errf(r, "Unknown driver", "load: %v", err)
		}
	case ActStart, ActKill:
		name := words[0]
		if kind == ActStart && name == "-p" && len(words) > 1 {
			name = words[1]
		}
		if kind == ActKill && len(words) > 1 {
			c.errf(r, "Invalid command", "kill: one program name (the newest running process of that program is killed)")
		}
		if err := sc.checkProgram(name); err != nil {
			c.errf(r, "Unknown program", "%s: %v", kind, err)
		}
	case ActType:
		// The shell commands that name a driver or a program.
		if len(words) < 2 {
			return
		}
		switch words[0] {
		case "load":
			if err := sc.checkDriverName(words[1]); err != nil {
				c.errf(r, "Unknown driver", "type %q: %v", s, err)
			}
		case "run", "start":
			name := words[1]
			if name == "-p" && len(words) > 2 {
				name = words[2]
			}
			if err := sc.checkProgram(name); err != nil {
				c.errf(r, "Unknown program", "type %q: %v", s, err)
			}
		}
	}
}

func (sc *Scenario) decodePoke(ph *pokeHCL, diags *hcl.Diagnostics) *Poke {
	c := conv{diags}
	p := &Poke{Size: 8}
	where := 0
	if s, r, ok := c.str(ph.Symbol); ok {
		p.Symbol = s
		where++
		if err := sc.checkSymbol(s); err != nil {
			c.errf(r, "Unknown symbol", "%v", err)
		}
	}
	if v, _, ok := c.num(ph.Addr); ok {
		p.Virt = v
		where++
	}
	if v, _, ok := c.num(ph.Phys); ok {
		p.Phys, p.IsPhys = v, true
		where++
	}
	if where != 1 {
		c.errf(ph.TypeRange, "Invalid poke", "give exactly one of symbol, addr (virtual) or phys")
	}
	p.Offset, _, _ = c.num(ph.Offset)
	what := 0
	if s, r, ok := c.str(ph.Bytes); ok {
		raw, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil || len(raw) == 0 {
			c.errf(r, "Invalid bytes", "bytes: want hex bytes such as \"e9 00 00 00 00\"")
		}
		p.Bytes = raw
		what++
	}
	if s, r, ok := c.str(ph.Value); ok {
		if v, err := parseUint(s); err == nil {
			p.Value = v
		} else if s != "" && !strings.ContainsAny(s, " \t") {
			p.ValueSym = s // a symbol's address, resolved at run time
			name, _, _ := strings.Cut(s, "+")
			if err := sc.checkSymbol(name); err != nil {
				c.errf(r, "Unknown symbol", "value: %v", err)
			}
		} else {
			c.errf(r, "Invalid value", "value: a number or a SYMBOL[+OFFSET]")
		}
		what++
	}
	if v, _, ok := c.num(ph.Xor); ok {
		p.Xor, p.IsXor = v, true
		what++
	}
	if v, r, ok := c.num(ph.Size); ok {
		if v != 1 && v != 2 && v != 4 && v != 8 {
			c.errf(r, "Invalid size", "size must be 1, 2, 4 or 8")
		}
		p.Size = int(v)
	}
	if what != 1 {
		c.errf(ph.TypeRange, "Invalid poke", "give exactly one of bytes, value or xor")
	}
	if ds, r, ok := c.strs(ph.RestoreAfter); ok {
		for _, d := range ds {
			v, err := parseGuestDuration(d)
			if err != nil {
				c.errf(r, "Invalid duration", "restore_after: %v", err)
			}
			p.RestoreAfter = append(p.RestoreAfter, v)
		}
		if len(ds) == 0 {
			c.errf(r, "Invalid duration", "restore_after: empty list")
		}
	}
	return p
}

func decodeFlip(fh *flipHCL, diags *hcl.Diagnostics) *Flip {
	c := conv{diags}
	f := &Flip{}
	if s, r, ok := c.str(fh.RegionType); ok {
		ts, err := parseTypeSet(s)
		if err != nil {
			c.errf(r, "Invalid region type", "%v", err)
		}
		f.Types = ts
	}
	if s, r, ok := c.str(fh.Mode); ok {
		switch s {
		case "bit":
		case "byte":
			f.Byte = true
		default:
			c.errf(r, "Invalid mode", "mode: bit or byte")
		}
	}
	return f
}

// regNames are the registers a reg step may set.
var regNames = []string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cr0", "cr2", "cr3", "cr4", "cr8",
	"dr0", "dr1", "dr2", "dr3", "dr6", "dr7"}

func decodeReg(kind string, rh *regHCL, diags *hcl.Diagnostics) *RegWrite {
	c := conv{diags}
	w := &RegWrite{Name: kind}
	if kind == ActMSR {
		if rh.Name != nil {
			c.errf(rh.Name.NameRange, "Unsupported argument", "an msr block takes index, not name (a reg block takes name)")
		}
		if v, r, ok := c.num(rh.Index); ok {
			if v >= 1<<32 {
				c.errf(r, "Invalid MSR", "index %#x does not fit 32 bits", v)
			}
			w.Index = uint32(v)
		} else if rh.Index == nil {
			c.errf(rh.TypeRange, "Missing attribute", "msr needs index")
		}
	} else {
		if rh.Index != nil {
			c.errf(rh.Index.NameRange, "Unsupported argument", "a reg block takes name, not index (an msr block takes index)")
		}
		if s, r, ok := c.str(rh.Name); ok {
			w.Name = strings.ToLower(s)
			if !slices.Contains(regNames, w.Name) {
				detail := fmt.Sprintf("%q (known: %s)", s, strings.Join(regNames, ", "))
				if sg := suggest(w.Name, regNames); sg != "" {
					detail = fmt.Sprintf("%q; did you mean %q? (known: %s)", s, sg, strings.Join(regNames, ", "))
				}
				c.errf(r, "Unknown register", "%s", detail)
			}
		} else if rh.Name == nil {
			c.errf(rh.TypeRange, "Missing attribute", "reg needs name")
		}
	}
	hasValue := false
	if v, _, ok := c.num(rh.Value); ok {
		w.Value, hasValue = v, true
	}
	if v, _, ok := c.num(rh.Set); ok {
		w.Set, w.RMW = v, true
	}
	if v, _, ok := c.num(rh.Clear); ok {
		w.Clear, w.RMW = v, true
	}
	if hasValue == w.RMW {
		c.errf(rh.TypeRange, "Invalid "+kind, "give either value or set/clear")
	}
	return w
}

func decodeExpect(eh *expectHCL, diags *hcl.Diagnostics) *Expect {
	c := conv{diags}
	e := &Expect{Pos: posOf(eh.TypeRange)}
	nerr := len(*diags)
	var kinds []string
	// only reports attributes that belong to another kind of expectation.
	only := func(kind string, attrs ...*hcl.Attribute) {
		for _, a := range attrs {
			if a != nil && e.Kind != kind {
				c.errf(a.NameRange, "Unsupported argument", "%q belongs to a %s expectation", a.Name, kind)
			}
		}
	}
	if s, r, ok := c.str(eh.BugCheck); ok {
		kinds = append(kinds, "bugcheck")
		e.Kind = ExpBugCheck
		v, err := parseUint(s)
		if err != nil {
			c.errf(r, "Invalid bug-check code", "%v", err)
		}
		e.Code = v
		if ts, r, ok := c.str(eh.RegionType); ok {
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
			var set []uint64
			var err error
			if e.TypeFlipped && ts == "" {
				set = []uint64{}
			} else {
				set, err = parseTypeSet(ts)
			}
			if err != nil {
				c.errf(r, "Invalid region type", "%v", err)
			}
			e.Types = set
			if e.Code != abi.BugCriticalStructureCorruption && set != nil {
				c.errf(r, "Invalid region type", "region_type applies to bug check 0x109 only")
			}
		}
		e.Measure, _ = c.boolean(eh.Measure)
		e.CrashOK, _ = c.boolean(eh.CrashOK)
	}
	if v, _, ok := c.dur(eh.NoBugCheckFor); ok {
		kinds = append(kinds, "no_bugcheck_for")
		e.Kind, e.For = ExpNoBugCheck, v
	}
	if s, r, ok := c.str(eh.Event); ok {
		kinds = append(kinds, "event")
		e.Kind = ExpEvent
		t, err := parseEventType(s)
		if err != nil {
			c.errf(r, "Invalid event", "%v", err)
		}
		e.Event, e.EventName = t, s
		if as, r, ok := c.strs(eh.Args); ok {
			for _, a := range as {
				if a == "*" || a == "_" {
					e.Args = append(e.Args, nil)
					continue
				}
				v, err := parseUint(a)
				if err != nil {
					c.errf(r, "Invalid argument", "args: %v (or \"*\" for any)", err)
				}
				e.Args = append(e.Args, &v)
			}
		}
		e.Text, _ = c.re(eh.Text)
	}
	if x, ok := c.re(eh.Serial); ok {
		kinds = append(kinds, "serial")
		e.Kind, e.Serial = ExpSerial, x
	}
	if len(kinds) == 1 {
		only(ExpBugCheck, eh.RegionType, eh.Measure, eh.CrashOK, eh.Grace)
		only(ExpEvent, eh.Args, eh.Text)
		if e.Kind != ExpBugCheck && e.Kind != ExpEvent {
			only("bugcheck or event", eh.Within)
		}
	}
	if e.Kind == ExpBugCheck || e.Kind == ExpEvent {
		e.Within, _, _ = c.dur(eh.Within)
	}
	if e.Kind == ExpBugCheck {
		if v, r, ok := c.dur(eh.Grace); ok {
			e.Grace, e.HasGrace = v, true
			if e.Within == 0 {
				c.errf(r, "Invalid duration", "grace: needs within (the grace period follows the deadline)")
			}
		}
	}
	switch {
	case len(kinds) == 0 && len(*diags) == nerr:
		c.errf(eh.TypeRange, "Empty expectation", "an expect block needs one of: bugcheck, no_bugcheck_for, event, serial")
	case len(kinds) > 1:
		c.errf(eh.TypeRange, "Several expectations", "one expectation per expect block; this one has %s", strings.Join(kinds, ", "))
	}
	if len(*diags) > nerr {
		return nil
	}
	return e
}
