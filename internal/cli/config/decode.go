package config

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// walker reads typed values out of the generic decoded TOML tree and
// collects problems, each located through the key index.
type walker struct {
	file     string
	keys     *keyIndex
	problems []Problem
}

func dotted(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		if p == "" || strings.IndexFunc(p, func(r rune) bool { return !(r < 128 && isBare(byte(r))) }) >= 0 {
			p = fmt.Sprintf("%q", p)
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

// problem records a problem about the key at path.
func (w *walker) problem(path []string, format string, args ...any) {
	w.problems = append(w.problems, Problem{
		File: w.file,
		Pos:  w.keys.pos(path...),
		Key:  dotted(path),
		Msg:  fmt.Sprintf(format, args...),
	})
}

// known reports keys of table m (at path) that are not in allowed.
func (w *walker) known(m map[string]any, path []string, allowed ...string) {
	var unknown []string
	for k := range m {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		p := append(append([]string(nil), path...), k)
		w.problem(p, "unknown key %q (allowed: %s)", k, strings.Join(allowed, ", "))
	}
}

func child(path []string, key string) []string {
	return append(append([]string(nil), path...), key)
}

// tomlType names a decoded TOML value's type for error messages.
func tomlType(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return fmt.Sprintf("integer %d", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case map[string]any:
		return "table"
	case []map[string]any:
		return "array of tables"
	case []any:
		return "array"
	case time.Time:
		return "datetime"
	}
	return fmt.Sprintf("%T", v)
}

// table returns the sub-table key of m; ok is false when it is absent or
// not a table (a problem is recorded for the latter).
func (w *walker) table(m map[string]any, path []string, key string) (map[string]any, bool) {
	v, present := m[key]
	if !present {
		return nil, false
	}
	t, ok := v.(map[string]any)
	if !ok {
		w.problem(child(path, key), "expected a table, got %s", tomlType(v))
		return nil, false
	}
	return t, true
}

// str returns m[key] as a string, or def.
func (w *walker) str(m map[string]any, path []string, key, def string) string {
	v, present := m[key]
	if !present {
		return def
	}
	s, ok := v.(string)
	if !ok {
		w.problem(child(path, key), "expected a string, got %s", tomlType(v))
		return def
	}
	return s
}

// boolean returns m[key] as a bool, or def.
func (w *walker) boolean(m map[string]any, path []string, key string, def bool) bool {
	v, present := m[key]
	if !present {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		w.problem(child(path, key), "expected true or false, got %s", tomlType(v))
		return def
	}
	return b
}

// integer returns m[key] as an int within [lo, hi], or def.
func (w *walker) integer(m map[string]any, path []string, key string, def, lo, hi int64) int64 {
	v, present := m[key]
	if !present {
		return def
	}
	n, ok := v.(int64)
	if !ok {
		w.problem(child(path, key), "expected an integer, got %s", tomlType(v))
		return def
	}
	if n < lo || n > hi {
		switch {
		case hi == math.MaxInt32 || hi == math.MaxInt64:
			w.problem(child(path, key), "must be at least %d, got %d", lo, n)
		default:
			w.problem(child(path, key), "must be between %d and %d, got %d", lo, hi, n)
		}
		return def
	}
	return n
}

// millis returns m[key] (milliseconds) as a duration of at least lo ms.
func (w *walker) millis(m map[string]any, path []string, key string, def time.Duration, lo int64) time.Duration {
	n := w.integer(m, path, key, def.Milliseconds(), lo, math.MaxInt32)
	return time.Duration(n) * time.Millisecond
}

// strings returns m[key] as a list of strings, or nil.
func (w *walker) strings(m map[string]any, path []string, key string) []string {
	v, present := m[key]
	if !present {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		w.problem(child(path, key), "expected an array of strings, got %s", tomlType(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			w.problem(child(path, key), "element %d: expected a string, got %s", i, tomlType(e))
			continue
		}
		out = append(out, s)
	}
	return out
}
