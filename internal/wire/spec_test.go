package wire_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// These tests check the package against Kafka's JSON message specs in
// shared/kafka-protocol, which CI lays beside the repository clone. They
// skip when the specs are missing, except under CI=true where they fail.

// newerThanShared lists the APIs whose highest version we implement is
// newer than the shared specs (a snapshot older than Kafka 4.0): Produce v12
// and v13 and TxnOffsetCommit v5 come from Kafka 4.x. Those versions are
// checked against kmsg only.
var newerThanShared = map[string]int16{"Produce": 13, "TxnOffsetCommit": 5}

func specDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("KAFKA_PROTOCOL_DIR")
	if d == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatal("no go.mod above the test directory")
			}
			dir = parent
		}
		d = filepath.Join(dir, "..", "shared", "kafka-protocol")
	}
	if _, err := os.Stat(filepath.Join(d, "ProduceRequest.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Kafka specs missing under CI: %v", err)
		}
		t.Skipf("Kafka specs not found (%v); CI=true makes this a failure", err)
	}
	return d
}

type specField struct {
	Name             string      `json:"name"`
	Type             string      `json:"type"`
	Versions         string      `json:"versions"`
	NullableVersions string      `json:"nullableVersions"`
	TaggedVersions   string      `json:"taggedVersions"`
	Tag              *int        `json:"tag"`
	FlexibleVersions string      `json:"flexibleVersions"`
	Fields           []specField `json:"fields"`
}

type messageSpec struct {
	APIKey           *int        `json:"apiKey"`
	Type             string      `json:"type"`
	Name             string      `json:"name"`
	ValidVersions    string      `json:"validVersions"`
	FlexibleVersions string      `json:"flexibleVersions"`
	Fields           []specField `json:"fields"`
	CommonStructs    []specField `json:"commonStructs"`
}

// stripComments removes // comments outside of JSON strings.
func stripComments(src []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString:
			out = append(out, c)
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

func loadSpec(t *testing.T, dir, name string) *messageSpec {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var s messageSpec
	if err := json.Unmarshal(stripComments(src), &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if s.Name != name {
		t.Fatalf("%s.json names %q", name, s.Name)
	}
	return &s
}

// versionRange is an inclusive range; lo > hi means empty ("none", "").
type versionRange struct{ lo, hi int16 }

func parseVersions(t *testing.T, s string) versionRange {
	t.Helper()
	num := func(x string) int16 {
		n, err := strconv.ParseInt(x, 10, 16)
		if err != nil {
			t.Fatalf("bad version %q: %v", s, err)
		}
		return int16(n)
	}
	switch {
	case s == "" || s == "none":
		return versionRange{1, 0}
	case strings.HasSuffix(s, "+"):
		return versionRange{num(strings.TrimSuffix(s, "+")), math.MaxInt16}
	case strings.Contains(s, "-"):
		lo, hi, _ := strings.Cut(s, "-")
		return versionRange{num(lo), num(hi)}
	default:
		return versionRange{num(s), num(s)}
	}
}

func (r versionRange) has(v int16) bool { return v >= r.lo && v <= r.hi }

// TestSpecVersions checks the declared key, version ranges and flexible
// versions of every request against the request and response specs.
func TestSpecVersions(t *testing.T) {
	dir := specDir(t)
	for _, a := range apis {
		t.Run(a.name, func(t *testing.T) {
			r := a.newReq()
			for _, kind := range []string{"Request", "Response"} {
				s := loadSpec(t, dir, a.name+kind)
				if s.APIKey == nil || int16(*s.APIKey) != r.Key() {
					t.Fatalf("%s: Key() = %d, spec apiKey %v", kind, r.Key(), s.APIKey)
				}
				valid := parseVersions(t, s.ValidVersions)
				flexible := parseVersions(t, s.FlexibleVersions)
				if r.MinVersion() < valid.lo || r.MinVersion() > r.MaxVersion() {
					t.Errorf("%s: MinVersion() = %d, spec validVersions %q", kind, r.MinVersion(), s.ValidVersions)
				}
				if r.MaxVersion() > valid.hi && newerThanShared[a.name] != r.MaxVersion() {
					t.Errorf("%s: MaxVersion() = %d beyond spec validVersions %q and not listed in newerThanShared",
						kind, r.MaxVersion(), s.ValidVersions)
				}
				for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
					want := flexible.has(v) // the shared flexibleVersions are all "N+" or "none"
					if r.Flexible(v) != want {
						t.Errorf("%s v%d: Flexible() = %v, spec flexibleVersions %q", kind, v, r.Flexible(v), s.FlexibleVersions)
					}
				}
			}
		})
	}
}

// TestSpecLayout parses every encoded sample with a generic decoder driven
// by the JSON spec, at every version both implement: the spec must account
// for every byte, in order, with the right nullability and tagged fields.
func TestSpecLayout(t *testing.T) {
	dir := specDir(t)
	for _, a := range apis {
		req := loadSpec(t, dir, a.name+"Request")
		resp := loadSpec(t, dir, a.name+"Response")
		r := a.newReq()
		hi := min(r.MaxVersion(), parseVersions(t, req.ValidVersions).hi)
		for v := r.MinVersion(); v <= hi; v++ {
			t.Run(fmt.Sprintf("%s/v%d", a.name, v), func(t *testing.T) {
				for i, m := range a.reqs(v) {
					b := m.AppendBody(nil, v)
					if _, err := parseWithSpec(t, req, b, v); err != nil {
						t.Errorf("request sample %d: %v\n% x", i, err, b)
					}
				}
				for i, m := range a.resps(v) {
					b := m.AppendBody(nil, v)
					if _, err := parseWithSpec(t, resp, b, v); err != nil {
						t.Errorf("response sample %d: %v\n% x", i, err, b)
					}
				}
			})
		}
	}
}

// TestSpecRequestHeader parses the header AppendRequest writes with
// RequestHeader.json (v1, or v2 for flexible versions) and checks its values.
func TestSpecRequestHeader(t *testing.T) {
	dir := specDir(t)
	hdr := loadSpec(t, dir, "RequestHeader")
	for _, a := range apis {
		r := a.reqs(a.newReq().MaxVersion())[0]
		for _, v := range []int16{r.MinVersion(), r.MaxVersion()} {
			frame := wire.AppendRequest(nil, r, v, 42, "client-é")
			hv := int16(1)
			if r.Flexible(v) {
				hv = 2
			}
			body := r.AppendBody(nil, v)
			header := frame[4 : len(frame)-len(body)]
			got, err := parseWithSpec(t, hdr, header, hv)
			if err != nil {
				t.Fatalf("%s v%d header v%d: %v\n% x", a.name, v, hv, err, header)
			}
			want := map[string]any{"RequestApiKey": int64(r.Key()), "RequestApiVersion": int64(v), "CorrelationId": int64(42), "ClientId": "client-é"}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s v%d: header %s = %v, want %v", a.name, v, k, got[k], w)
				}
			}
		}
	}
}

// parseWithSpec decodes b as the message s at version v and returns the
// top-level fields by name (integers as int64, strings as string).
func parseWithSpec(t *testing.T, s *messageSpec, b []byte, v int16) (map[string]any, error) {
	p := &specParser{t: t, common: map[string][]specField{}, version: v}
	for _, c := range s.CommonStructs {
		p.common[c.Name] = c.Fields
	}
	flex := parseVersions(t, s.FlexibleVersions).has(v)
	r := wire.NewReader(b)
	out, err := p.parseStruct(r, s.Fields, flex)
	if err != nil {
		return nil, err
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	if r.Remaining() != 0 {
		return nil, fmt.Errorf("%d bytes left after the last field the spec knows", r.Remaining())
	}
	return out, nil
}

type specParser struct {
	t       *testing.T
	common  map[string][]specField
	version int16
}

func (p *specParser) in(s string) bool { return parseVersions(p.t, s).has(p.version) }

func (p *specParser) parseStruct(r *wire.Reader, fields []specField, flex bool) (map[string]any, error) {
	out := map[string]any{}
	tagged := map[int]specField{}
	for _, f := range fields {
		if !p.in(f.Versions) {
			continue
		}
		if f.Tag != nil && p.in(f.TaggedVersions) {
			tagged[*f.Tag] = f
			continue
		}
		val, err := p.parseField(r, f, flex && f.FlexibleVersions != "none")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out[f.Name] = val
	}
	if !flex {
		return out, r.Err()
	}
	n := r.Uvarint()
	last := -1
	for i := uint32(0); i < n && r.Err() == nil; i++ {
		tag := int(r.Uvarint())
		data := r.Next(int(r.Uvarint()))
		if r.Err() != nil {
			break
		}
		f, ok := tagged[tag]
		if !ok {
			return nil, fmt.Errorf("tag %d is not in the spec at v%d", tag, p.version)
		}
		if tag <= last {
			return nil, fmt.Errorf("tag %d after tag %d: tags must ascend", tag, last)
		}
		last = tag
		sub := wire.NewReader(data)
		val, err := p.parseField(sub, f, true)
		if err == nil && sub.Remaining() != 0 {
			err = fmt.Errorf("%d bytes left in the tagged field", sub.Remaining())
		}
		if err != nil {
			return nil, fmt.Errorf("%s (tag %d): %w", f.Name, tag, err)
		}
		out[f.Name] = val
	}
	return out, r.Err()
}

func (p *specParser) parseField(r *wire.Reader, f specField, flex bool) (any, error) {
	nullable := p.in(f.NullableVersions)
	if elem, ok := strings.CutPrefix(f.Type, "[]"); ok {
		n := r.ArrayLen(flex)
		if n < 0 {
			if !nullable {
				return nil, fmt.Errorf("null array, not nullable at v%d", p.version)
			}
			return nil, r.Err()
		}
		out := make([]any, 0, n)
		for i := 0; i < n && r.Err() == nil; i++ {
			val, err := p.parseType(r, specField{Name: f.Name, Type: elem, Fields: f.Fields, Versions: f.Versions}, flex, false)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, val)
		}
		return out, r.Err()
	}
	return p.parseType(r, f, flex, nullable)
}

func (p *specParser) parseType(r *wire.Reader, f specField, flex, nullable bool) (any, error) {
	var val any
	switch f.Type {
	case "bool":
		val = r.Bool()
	case "int8":
		val = int64(r.Int8())
	case "int16":
		val = int64(r.Int16())
	case "uint16":
		val = int64(uint16(r.Int16()))
	case "int32":
		val = int64(r.Int32())
	case "uint32":
		val = int64(r.Uint32())
	case "int64":
		val = r.Int64()
	case "float64":
		val = math.Float64frombits(uint64(r.Int64()))
	case "uuid":
		val = r.UUID()
	case "string":
		s := r.NullableString(flex)
		if s == nil && r.Err() == nil {
			if !nullable {
				return nil, fmt.Errorf("null string, not nullable at v%d", p.version)
			}
			return nil, nil
		}
		if s != nil {
			val = *s
		}
	case "bytes", "records":
		b := r.Bytes(flex)
		if b == nil && r.Err() == nil && !nullable {
			return nil, fmt.Errorf("null bytes, not nullable at v%d", p.version)
		}
		val = b
	default:
		fields := f.Fields
		if fields == nil {
			fields = p.common[f.Type]
		}
		if fields == nil {
			return nil, fmt.Errorf("unknown type %q", f.Type)
		}
		return p.parseStruct(r, fields, flex)
	}
	return val, r.Err()
}
