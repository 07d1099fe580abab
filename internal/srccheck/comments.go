package srccheck

import (
	"go/scanner"
	"go/token"
	"path"
	"strings"
)

// Comment is one comment of a source file: where it starts and its text
// with the comment markers left in.
type Comment struct {
	Line int
	Text string
}

// Lang is how a file's comments are written.
type Lang int

const (
	LangNone Lang = iota
	LangGo        // Go: // and /* */ (go/scanner)
	LangC         // C, headers, linker scripts: // and /* */
	LangAsm       // assembly through cpp: C comments, and # lines that are no directive
	LangHash      // Makefiles: # to the end of the line
	LangHCL       // HCL: #, // and /* */, heredocs skipped
)

// LangOf returns the comment language of a repository path, or LangNone
// for a file whose comments are not checked.
func LangOf(p string) Lang {
	base := path.Base(p)
	switch {
	case base == "Makefile" || strings.HasSuffix(base, ".mk"):
		return LangHash
	}
	switch path.Ext(base) {
	case ".go":
		return LangGo
	case ".c", ".h", ".ld":
		return LangC
	case ".S", ".s", ".inc":
		return LangAsm
	case ".hcl":
		return LangHCL
	}
	return LangNone
}

// Comments returns the comments of src, a file in language l.
func Comments(l Lang, src []byte) []Comment {
	switch l {
	case LangGo:
		return goComments(src)
	case LangC, LangAsm, LangHCL:
		return cComments(l, src)
	case LangHash:
		return hashComments(src)
	}
	return nil
}

func goComments(src []byte) []Comment {
	fset := token.NewFileSet()
	file := fset.AddFile("src.go", -1, len(src))
	var s scanner.Scanner
	// Errors (a malformed file) end nothing: what scans is checked.
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	var out []Comment
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.COMMENT {
			out = append(out, Comment{Line: file.Line(pos), Text: lit})
		}
	}
}

// asmDirectives are the preprocessor's words: a # line that starts with
// one is no comment.
var asmDirectives = []string{"include", "define", "undef", "if", "ifdef", "ifndef", "elif", "else", "endif",
	"error", "warning", "pragma", "line"}

// cComments scans C-like text: string and character literals are skipped,
// // and /* */ are comments; in assembly a # that starts no directive runs
// to the end of the line, and in HCL so does any # outside a string, and
// heredocs (<<EOF ... EOF) are skipped.
func cComments(l Lang, src []byte) []Comment {
	var out []Comment
	s := string(src)
	line := 1
	lineStart := true // only blanks since the last newline
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			line++
			lineStart = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case c == '"' || (c == '\'' && l != LangHCL):
			j := i + 1
			for j < len(s) && s[j] != c && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			i = min(j+1, len(s))
		case strings.HasPrefix(s[i:], "//"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			out = append(out, Comment{Line: line, Text: s[i : i+j]})
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			end := len(s)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			out = append(out, Comment{Line: line, Text: s[i:end]})
			line += strings.Count(s[i:end], "\n")
			i = end
		case c == '#' && (l == LangHCL || (l == LangAsm && !isDirective(s[i+1:], lineStart))):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			out = append(out, Comment{Line: line, Text: s[i : i+j]})
			i += j
		case l == LangHCL && strings.HasPrefix(s[i:], "<<"):
			i = skipHeredoc(s, i, &line)
		default:
			i++
		}
		lineStart = false
	}
	return out
}

func isDirective(rest string, lineStart bool) bool {
	if !lineStart {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	for _, d := range asmDirectives {
		if strings.HasPrefix(rest, d) && (len(rest) == len(d) || !isWordByte(rest[len(d)])) {
			return true
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// skipHeredoc returns the offset after the heredoc that starts at s[i]
// ("<<EOF" or "<<-EOF"), counting its lines; a "<<" that starts none is
// passed over.
func skipHeredoc(s string, i int, line *int) int {
	j := i + 2
	if j < len(s) && s[j] == '-' {
		j++
	}
	k := j
	for k < len(s) && isWordByte(s[k]) {
		k++
	}
	marker := s[j:k]
	if marker == "" {
		return i + 2
	}
	for p := k; p < len(s); {
		nl := strings.IndexByte(s[p:], '\n')
		if nl < 0 {
			return len(s)
		}
		p += nl + 1
		*line++
		end := strings.IndexByte(s[p:], '\n')
		if end < 0 {
			end = len(s) - p
		}
		if strings.TrimSpace(s[p:p+end]) == marker {
			return p + end
		}
	}
	return len(s)
}

// hashComments returns the # comments of a Makefile (an escaped \# is
// not one).
func hashComments(src []byte) []Comment {
	var out []Comment
	for n, l := range strings.Split(string(src), "\n") {
		for i := 0; i < len(l); i++ {
			if l[i] == '#' && (i == 0 || l[i-1] != '\\') {
				out = append(out, Comment{Line: n + 1, Text: l[i:]})
				break
			}
		}
	}
	return out
}
