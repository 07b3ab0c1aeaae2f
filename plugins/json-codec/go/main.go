// Command json-codec is a kafkawasm codec plugin: encode validates a JSON
// object against a small schema from the config and writes a compact binary
// form; decode turns that form back into canonical JSON. See ../README.md
// for the schema rules and the wire format.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ../json-codec.wasm .
package main

import (
	"errors"
	"slices"
	"strings"

	"github.com/kafkawasm/kafkawasm/plugins/internal/plugcfg"
	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// fieldType is a type a schema may require of a top-level field.
type fieldType uint8

const (
	tAny fieldType = iota
	tString
	tNumber
	tInteger
	tBoolean
	tObject
	tArray
	tNull
)

var typeNames = [...]string{"any", "string", "number", "integer", "boolean", "object", "array", "null"}

type field struct {
	name string
	typ  fieldType
}

type schema struct {
	required     []string
	types        []field // in config order
	allowUnknown bool

	// The same, in ascending byte order, for merge walks over the members
	// of a document parsed with sorted keys.
	typesSorted    []field
	requiredSorted []string
}

// index fills the sorted views of s.
func (s *schema) index() {
	s.typesSorted = append([]field(nil), s.types...)
	slices.SortFunc(s.typesSorted, func(a, b field) int { return strings.Compare(a.name, b.name) })
	s.requiredSorted = append([]string(nil), s.required...)
	slices.Sort(s.requiredSorted)
}

var (
	sch = schema{allowUnknown: true}
	enc encoder
	dec decoder
)

func init() {
	sdk.RegisterConfigure(configure)
	sdk.RegisterCodec(encodeValue, decodeValue)
}

func main() {}

func configure(raw []byte) error {
	var d kwjson.Doc
	root, err := plugcfg.Parse(&d, raw, "required", "types", "allow_unknown")
	if err != nil {
		return err
	}
	s := schema{}
	s.required, _, err = plugcfg.Strings(root, "required", `config: "required" must be an array of non-empty strings`)
	if err != nil {
		return err
	}
	if s.allowUnknown, err = plugcfg.Bool(root, "allow_unknown", true); err != nil {
		return err
	}
	types := root.Get("types")
	if types.Exists() && types.Kind() != kwjson.Object {
		return errors.New(`config: "types" must be an object of field names to type names`)
	}
	it := types.Iter()
	for it.Next() {
		v := it.Value()
		name := string(it.Key())
		typ := -1
		if v.Kind() == kwjson.String {
			for i, tn := range typeNames {
				if tn == string(v.Bytes()) {
					typ = i
				}
			}
		}
		if typ < 0 {
			return errors.New("config: field " + kwjson.Quote(name) +
				": type must be one of any, string, number, integer, boolean, object, array, null")
		}
		for _, f := range s.types {
			if f.name == name {
				return errors.New("config: field " + kwjson.Quote(name) + " has two types")
			}
		}
		s.types = append(s.types, field{name: name, typ: fieldType(typ)})
	}
	s.index()
	sch = s
	return nil
}

func (s *schema) lookup(name []byte) (fieldType, bool) {
	for _, f := range s.types {
		if f.name == string(name) {
			return f.typ, true
		}
	}
	return tAny, false
}

func (s *schema) isRequired(name []byte) bool {
	for _, r := range s.required {
		if r == string(name) {
			return true
		}
	}
	return false
}

func encodeValue(_ string, in []byte) ([]byte, error) { return enc.encode(&sch, in) }

func decodeValue(_ string, in []byte) ([]byte, error) { return dec.decode(in) }
