// Package plugcfg holds the config-reading rules shared by the Go example
// plugins. plugins/internal/as/plugcfg.ts is its AssemblyScript twin: both
// must produce the same messages, which the conformance vectors check.
package plugcfg

import (
	"errors"

	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// Parse parses the config JSON into d and checks that it is an object whose
// keys are all in allowed (the first unknown key, in document order, is
// reported).
func Parse(d *kwjson.Doc, cfg []byte, allowed ...string) (kwjson.Value, error) {
	if err := d.Parse(cfg); err != nil {
		return kwjson.Value{}, errors.New("config: " + err.Error())
	}
	root := d.Root()
	if root.Kind() != kwjson.Object {
		return kwjson.Value{}, errors.New("config: must be a JSON object")
	}
	it := root.Iter()
	for it.Next() {
		if !contains(allowed, it.Key()) {
			return kwjson.Value{}, errors.New("config: unknown key " + string(kwjson.AppendString(nil, it.Key())))
		}
	}
	return root, nil
}

func contains(list []string, k []byte) bool {
	for _, s := range list {
		if s == string(k) {
			return true
		}
	}
	return false
}

// String returns the non-empty string at key and whether it is present.
func String(root kwjson.Value, key string) (string, bool, error) {
	v := root.Get(key)
	if !v.Exists() {
		return "", false, nil
	}
	if v.Kind() != kwjson.String || len(v.Bytes()) == 0 {
		return "", false, errors.New("config: " + kwjson.Quote(key) + " must be a non-empty string")
	}
	return v.Text(), true, nil
}

// Bool returns the boolean at key, or def when absent.
func Bool(root kwjson.Value, key string, def bool) (bool, error) {
	v := root.Get(key)
	switch v.Kind() {
	case kwjson.Invalid:
		return def, nil
	case kwjson.True:
		return true, nil
	case kwjson.False:
		return false, nil
	}
	return false, errors.New("config: " + kwjson.Quote(key) + " must be a boolean")
}

// Strings returns the array of non-empty strings at key (nil when absent).
// msg is the error for anything else.
func Strings(root kwjson.Value, key string, msg string) ([]string, bool, error) {
	v := root.Get(key)
	if !v.Exists() {
		return nil, false, nil
	}
	if v.Kind() != kwjson.Array {
		return nil, false, errors.New(msg)
	}
	var out []string
	it := v.Iter()
	for it.Next() {
		e := it.Value()
		if e.Kind() != kwjson.String || len(e.Bytes()) == 0 {
			return nil, false, errors.New(msg)
		}
		out = append(out, e.Text())
	}
	return out, true, nil
}
