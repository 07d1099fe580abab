package debug

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Expressions, as in gdb's and Bochs's consoles: numbers (0x1f, 31, 0b11,
// 0o17, with _ separators), registers ($rax or rax, $rip, $eflags, ...),
// symbols (kmain, hello!driver_entry, hello! for a driver's base),
// memory (*ADDR or [ADDR]: the u64 at a guest-virtual address), C's
// operators with C's precedence, and parentheses. Everything is unsigned
// 64-bit arithmetic; comparisons give 0 or 1.

// env is what an expression can see.
type env interface {
	reg(name string) (uint64, bool)
	sym(name string) (uint64, error)
	mem(addr uint64) (uint64, error)
}

// exprError is a malformed expression: what and where (1-based column).
type exprError struct {
	src string
	pos int
	msg string
}

func (e *exprError) Error() string {
	return fmt.Sprintf("bad expression %q at column %d: %s", e.src, e.pos+1, e.msg)
}

// maxExprLen and maxExprDepth bound what the parser accepts, so that no
// input can exhaust the host's stack.
const (
	maxExprLen   = 4096
	maxExprDepth = 64
)

type node interface{ eval(env) (uint64, error) }

type numNode uint64
type identNode string // a register or a symbol
type derefNode struct{ x node }
type unaryNode struct {
	op byte
	x  node
}
type binNode struct {
	op   string
	l, r node
}

func (n numNode) eval(env) (uint64, error) { return uint64(n), nil }

func (n identNode) eval(e env) (uint64, error) {
	name := string(n)
	if strings.HasPrefix(name, "$") {
		if v, ok := e.reg(name[1:]); ok {
			return v, nil
		}
		return 0, fmt.Errorf("no register %s", name)
	}
	if v, ok := e.reg(name); ok {
		return v, nil
	}
	return e.sym(name)
}

func (n derefNode) eval(e env) (uint64, error) {
	a, err := n.x.eval(e)
	if err != nil {
		return 0, err
	}
	return e.mem(a)
}

func (n unaryNode) eval(e env) (uint64, error) {
	v, err := n.x.eval(e)
	if err != nil {
		return 0, err
	}
	switch n.op {
	case '-':
		return -v, nil
	case '~':
		return ^v, nil
	case '!':
		return b2u(v == 0), nil
	}
	return v, nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

var errDivZero = errors.New("division by zero")

func (n binNode) eval(e env) (uint64, error) {
	l, err := n.l.eval(e)
	if err != nil {
		return 0, err
	}
	// && and || short-circuit, as in C.
	switch n.op {
	case "&&":
		if l == 0 {
			return 0, nil
		}
	case "||":
		if l != 0 {
			return 1, nil
		}
	}
	r, err := n.r.eval(e)
	if err != nil {
		return 0, err
	}
	switch n.op {
	case "+":
		return l + r, nil
	case "-":
		return l - r, nil
	case "*":
		return l * r, nil
	case "/":
		if r == 0 {
			return 0, errDivZero
		}
		return l / r, nil
	case "%":
		if r == 0 {
			return 0, errDivZero
		}
		return l % r, nil
	case "<<":
		if r >= 64 {
			return 0, nil
		}
		return l << r, nil
	case ">>":
		if r >= 64 {
			return 0, nil
		}
		return l >> r, nil
	case "&":
		return l & r, nil
	case "|":
		return l | r, nil
	case "^":
		return l ^ r, nil
	case "==":
		return b2u(l == r), nil
	case "!=":
		return b2u(l != r), nil
	case "<":
		return b2u(l < r), nil
	case "<=":
		return b2u(l <= r), nil
	case ">":
		return b2u(l > r), nil
	case ">=":
		return b2u(l >= r), nil
	case "&&", "||":
		return b2u(r != 0), nil
	}
	return 0, fmt.Errorf("operator %s", n.op)
}

// Binary operators by precedence level, lowest first (C's order).
var binLevels = [][]string{
	{"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<=", ">=", "<", ">"},
	{"<<", ">>"}, {"+", "-"}, {"*", "/", "%"},
}

type parser struct {
	src   string
	pos   int
	depth int
}

// parseExpr parses a whole expression.
func parseExpr(src string) (node, error) {
	if len(src) > maxExprLen {
		return nil, &exprError{src[:32] + "...", 0, fmt.Sprintf("longer than %d bytes", maxExprLen)}
	}
	p := &parser{src: src}
	p.space()
	if p.pos == len(src) {
		return nil, &exprError{src, 0, "empty expression"}
	}
	n, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(src) {
		return nil, p.errf("unexpected %q", p.src[p.pos:])
	}
	return n, nil
}

func (p *parser) errf(format string, args ...any) error {
	return &exprError{p.src, p.pos, fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// peekOp returns the operator of level at the current position ("" if none).
func (p *parser) peekOp(level int) string {
	p.space()
	rest := p.src[p.pos:]
	for _, op := range binLevels[level] {
		if !strings.HasPrefix(rest, op) {
			continue
		}
		// "<" must not match the first half of "<<", "&" of "&&", ...
		if len(op) == 1 && len(rest) > 1 {
			next := rest[1]
			if (op == "<" || op == ">") && (next == rest[0] || next == '=') {
				continue
			}
			if (op == "&" || op == "|") && next == rest[0] {
				continue
			}
		}
		return op
	}
	return ""
}

func (p *parser) binary(level int) (node, error) {
	if level == len(binLevels) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op := p.peekOp(level)
		if op == "" {
			return l, nil
		}
		p.pos += len(op)
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = binNode{op, l, r}
	}
}

func (p *parser) unary() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, p.errf("nested deeper than %d", maxExprDepth)
	}
	p.space()
	if p.pos == len(p.src) {
		return nil, p.errf("expression ends too early")
	}
	switch c := p.src[p.pos]; c {
	case '-', '~', '!', '+':
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if c == '+' {
			return x, nil
		}
		return unaryNode{c, x}, nil
	case '*':
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return derefNode{x}, nil
	case '(', '[':
		closeCh := byte(')')
		if c == '[' {
			closeCh = ']'
		}
		p.pos++
		x, err := p.binary(0)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos == len(p.src) || p.src[p.pos] != closeCh {
			return nil, p.errf("missing %q", closeCh)
		}
		p.pos++
		if c == '[' {
			return derefNode{x}, nil
		}
		return x, nil
	}
	return p.primary()
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '.' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '!'
}

func (p *parser) primary() (node, error) {
	start := p.pos
	c := p.src[p.pos]
	switch {
	case c >= '0' && c <= '9':
		for p.pos < len(p.src) && (isIdentChar(p.src[p.pos]) && p.src[p.pos] != '!') {
			p.pos++
		}
		tok := p.src[start:p.pos]
		v, err := parseNumber(tok)
		if err != nil {
			p.pos = start
			return nil, p.errf("bad number %q", tok)
		}
		return numNode(v), nil
	case isIdentStart(c):
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
		return identNode(p.src[start:p.pos]), nil
	}
	return nil, p.errf("unexpected %q", string(c))
}

// parseNumber reads 0x1f, 31, 0b11, 0o17 or 017 (octal, as in C), with _
// separators.
func parseNumber(s string) (uint64, error) {
	return strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, 64)
}

// evalExpr parses and evaluates src.
func evalExpr(src string, e env) (uint64, error) {
	n, err := parseExpr(src)
	if err != nil {
		return 0, err
	}
	return n.eval(e)
}
