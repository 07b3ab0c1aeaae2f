package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// The [plugins.NAME] and [topics.NAME] tables belong to the plugin
// runtime: they are decoded into runtime.PluginsConfig and checked by its
// Validate. This file adds what the runtime cannot know without the whole
// file: the types of values (checked here first, so that every problem is
// reported at once and with a position), the plugin files (present, and
// matching their sha256 pin) and [producer] partitioner's reference.

// fieldKind is the shape a TOML value must have for a struct field.
type fieldKind int

const (
	fString fieldKind = iota
	fInt
	fBool
	fStrings
	fTable
)

// shapeOf lists the toml-tagged fields of a runtime config struct and the
// value shape each needs, so this check follows the runtime's types.
func shapeOf(t reflect.Type) (keys []string, kinds map[string]fieldKind) {
	kinds = map[string]fieldKind{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.String:
			kinds[tag] = fString
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Uint64:
			kinds[tag] = fInt
		case ft.Kind() == reflect.Bool:
			kinds[tag] = fBool
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			kinds[tag] = fStrings
		default:
			kinds[tag] = fTable
		}
		keys = append(keys, tag)
	}
	return keys, kinds
}

// shape checks one [plugins.NAME] or [topics.NAME] table against the
// fields of t.
func (w *walker) shape(m map[string]any, path []string, t reflect.Type) {
	keys, kinds := shapeOf(t)
	w.known(m, path, keys...)
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			continue
		}
		switch kinds[k] {
		case fString:
			w.str(m, path, k, "")
		case fInt:
			if v, ok := m[k].(int64); !ok {
				w.problem(child(path, k), "expected an integer, got %s", tomlType(m[k]))
			} else if v < -1<<31 || v > 1<<31-1 {
				w.problem(child(path, k), "out of range: %d", v)
			}
		case fBool:
			w.boolean(m, path, k, false)
		case fStrings:
			w.strings(m, path, k)
		case fTable:
			w.table(m, path, k)
		}
	}
}

// pluginTables decodes [plugins] and [topics] into f.Plugins.
func (w *walker) pluginTables(f *File, src []byte) {
	f.Plugins = &runtime.PluginsConfig{}
	before := len(w.problems)
	for _, sec := range []struct {
		name string
		typ  reflect.Type
	}{{"plugins", reflect.TypeFor[runtime.PluginTOML]()}, {"topics", reflect.TypeFor[runtime.TopicTOML]()}} {
		m, ok := w.table(f.Raw, nil, sec.name)
		if !ok {
			continue
		}
		for _, name := range sortedKeys(m) {
			if t, ok := w.table(m, []string{sec.name}, name); ok {
				w.shape(t, []string{sec.name, name}, sec.typ)
			}
		}
	}
	if len(w.problems) > before {
		return // the runtime's decoder would stop at the first of them
	}
	var pc runtime.PluginsConfig
	md, err := toml.Decode(string(src), &pc)
	if err != nil { // not expected after the shape check
		w.problems = append(w.problems, Problem{File: w.file, Msg: err.Error()})
		return
	}
	pc.SetSource(md, src)
	f.Plugins = &pc
	flagged := map[string]bool{}
	for _, e := range flatten(pc.Validate(w.file)) {
		var ce *runtime.ConfigError
		if errors.As(e, &ce) {
			flagged[ce.Key] = true
			w.problems = append(w.problems, Problem{File: w.file, Pos: Pos{ce.Line, ce.Col}, Key: ce.Key, Msg: ce.Msg})
		} else {
			w.problems = append(w.problems, Problem{File: w.file, Msg: e.Error()})
		}
	}
	for _, name := range sortedNames(pc.Plugins) {
		p := pc.Plugins[name]
		key := toml.Key{"plugins", name, "path"}.String()
		if p.Path == "" || flagged[key] {
			continue
		}
		w.checkWasm(f.Dir, name, p, flagged[toml.Key{"plugins", name, "sha256"}.String()])
	}
}

// checkWasm checks that a plugin's module exists and matches its pin.
func (w *walker) checkWasm(dir, name string, p runtime.PluginTOML, skipPin bool) {
	path := p.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			w.problem([]string{"plugins", name, "path"}, "plugin %q: file not found: %s", name, path)
		} else {
			w.problem([]string{"plugins", name, "path"}, "plugin %q: %v", name, err)
		}
		return
	}
	pin := strings.TrimPrefix(strings.ToLower(p.SHA256), "sha256:")
	if pin == "" || skipPin {
		return
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != pin {
		w.problem([]string{"plugins", name, "sha256"}, "plugin %q: sha256 mismatch: %s has sha256 %s, but the config pins %s", name, path, got, pin)
	}
}

// producerPartitioner checks [producer] partitioner: a built-in or a
// partitioner plugin.
func (w *walker) producerPartitioner(f *File) {
	name := f.Producer.Partitioner
	if BuiltinPartitioner(name) {
		return
	}
	path := []string{"producer", "partitioner"}
	p, ok := f.Plugins.Plugins[name]
	switch {
	case !ok:
		defined := make([]string, 0, len(f.Plugins.Plugins))
		for n := range f.Plugins.Plugins {
			defined = append(defined, n)
		}
		sort.Strings(defined)
		w.problem(path, "%q is neither a built-in partitioner (murmur2, round-robin) nor a defined plugin (plugins: %s)", name, strings.Join(defined, ", "))
	case p.Kind != string(runtime.KindPartitioner):
		w.problem(path, "plugin %q is a %s, not a partitioner", name, p.Kind)
	}
}

// flatten undoes errors.Join.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sortedNames[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
