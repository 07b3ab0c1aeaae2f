package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a config file. File and Pos locate it
// when it comes from the file's text; Plugin names the plugin for plugin
// load failures.
type Problem struct {
	File   string
	Pos    Pos    // zero when unknown
	Key    string // dotted key, e.g. "producer.linger_ms"; may be empty
	Plugin string // plugin name, for plugin problems; may be empty
	Msg    string
}

// String formats the problem as "file:line:col: key: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Pos.IsValid() {
			fmt.Fprintf(&b, ":%d:%d", p.Pos.Line, p.Pos.Col)
		}
		b.WriteString(": ")
	}
	switch {
	case p.Plugin != "" && p.Key == "":
		fmt.Fprintf(&b, "plugin %q: ", p.Plugin)
	case p.Key != "":
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error lists every problem found in a config file. It is returned by
// Load and Validate; use errors.As to get at the list.
type Error struct {
	Problems []Problem
}

// Error joins the problems, one a line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by file position; problems without a
// position keep their relative order after the positioned ones.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Pos, ps[j].Pos
		if a.IsValid() != b.IsValid() {
			return a.IsValid()
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
