package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// PluginsConfig is the plugin part of producer.toml: the [plugins.NAME]
// and [topics.NAME] tables. The binary embeds it in its own config struct
// (the toml tags are the table names) and, after decoding the whole file,
// calls SetSource and Validate; ParseConfig does all of this for a file
// that holds only these tables.
//
//	[plugins.by-region]
//	kind = "partitioner"          # partitioner | codec | enricher
//	path = "plugins/region.wasm"  # relative to the config file's directory
//	sha256 = "…"                  # optional pin
//	max_memory_mb = 16            # default 16
//	timeout_ms = 20               # default 100; 0 = no time bound
//	on_error = "fail"             # fail (default) | fallback (not for codecs)
//	grants = ["clock", "random"]  # optional: real WASI clocks / random
//	pool_size = 4                 # optional: default GOMAXPROCS
//	[plugins.by-region.config]    # handed to the plugin as JSON
//	regions = ["eu", "us", "ap"]
//
//	[topics.orders]
//	partitioner = "by-region"
//	key_codec = "string"          # built-in (bytes, string, json) or a codec plugin
//	value_codec = "avro-ish"
//	enrichers = ["trace-id", "host"]
//
// A PluginsConfig is a plain value: not safe for concurrent mutation.
type PluginsConfig struct {
	Plugins map[string]PluginTOML `toml:"plugins"`
	Topics  map[string]TopicTOML  `toml:"topics"`

	md  *toml.MetaData
	src string
}

// PluginTOML is one [plugins.NAME] table.
type PluginTOML struct {
	Kind        string         `toml:"kind"`
	Path        string         `toml:"path"`
	SHA256      string         `toml:"sha256"`
	MaxMemoryMB int            `toml:"max_memory_mb"`
	TimeoutMS   *int           `toml:"timeout_ms"`
	OnError     string         `toml:"on_error"`
	Grants      []string       `toml:"grants"`
	PoolSize    int            `toml:"pool_size"`
	Config      map[string]any `toml:"config"`
}

// TopicTOML is one [topics.NAME] table.
type TopicTOML struct {
	Partitioner string   `toml:"partitioner"`
	KeyCodec    string   `toml:"key_codec"`
	ValueCodec  string   `toml:"value_codec"`
	Enrichers   []string `toml:"enrichers"`
}

// Built-in codec names, usable as key_codec and value_codec and reserved
// as plugin names: bytes and string pass bytes through; json checks that
// the bytes are valid JSON and fails the record otherwise.
const (
	CodecBytes  = "bytes"
	CodecString = "string"
	CodecJSON   = "json"
)

// ConfigError is one problem in a config file, with its position when the
// file's metadata is known (Line and Col start at 1; 0 means unknown).
type ConfigError struct {
	File      string
	Line, Col int
	Key       string // dotted key path, e.g. plugins.by-region.kind
	Msg       string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("kafkawasm: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	} else if e.File != "" {
		b.WriteByte(' ')
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ParseConfig decodes src, a TOML document with only [plugins] and [topics]
// tables, strictly: a syntax error is a *ConfigError with the parser's line
// and column, every unknown key is one with the key's position, and then
// Validate runs. file names the document in errors (may be empty).
func ParseConfig(file string, src []byte) (*PluginsConfig, error) {
	var c PluginsConfig
	md, err := toml.Decode(string(src), &c)
	if err != nil {
		return nil, tomlError(file, err)
	}
	c.SetSource(md, src)
	if err := UndecodedError(file, md, src); err != nil {
		return nil, err
	}
	if err := c.Validate(file); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfigFile reads and parses a file with ParseConfig; plugin paths in
// it are relative to filepath.Dir(path), the baseDir to give Build.
func LoadConfigFile(path string) (*PluginsConfig, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kafkawasm: %w", err)
	}
	return ParseConfig(path, src)
}

// SetSource records the metadata and source of the document c was decoded
// from, so that Validate's errors carry line and column.
func (c *PluginsConfig) SetSource(md toml.MetaData, src []byte) {
	c.md, c.src = &md, string(src)
}

// tomlError turns a decoding error into a *ConfigError.
func tomlError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &ConfigError{File: file, Line: pe.Position.Line, Col: pe.Position.Col, Key: pe.LastKey, Msg: pe.Message}
	}
	return &ConfigError{File: file, Msg: err.Error()}
}

// UndecodedError returns one *ConfigError per key of the document that the
// decoding target did not have (joined with errors.Join), each with its
// line and column, or nil. Use it after decoding a bigger document that
// embeds PluginsConfig; src is the document.
func UndecodedError(file string, md toml.MetaData, src []byte) error {
	var errs []error
	for _, k := range md.Undecoded() {
		if len(k) > 3 && k[0] == "plugins" && k[2] == "config" {
			// Inside a plugin's free-form config table: BurntSushi/toml
			// lists keys of nested tables decoded into map[string]any as
			// undecoded, but they belong to the plugin.
			continue
		}
		line, col := keyPosition(&md, k, string(src))
		errs = append(errs, &ConfigError{File: file, Line: line, Col: col, Key: k.String(), Msg: "unknown key"})
	}
	return errors.Join(errs...)
}

// keyPosition finds where key is defined. BurntSushi/toml records each
// key's position but has no accessor for it, so the position is read from
// MetaData's unexported key table by reflection (read-only; tested against
// the pinned version). It points at the value (or table header); the
// column is then moved back to the key's last component on that line. If
// the table cannot be read the position is 0:0.
func keyPosition(md *toml.MetaData, key toml.Key, src string) (line, col int) {
	v := reflect.ValueOf(md).Elem().FieldByName("keyInfo")
	if !v.IsValid() || v.Kind() != reflect.Map {
		return 0, 0
	}
	info := v.MapIndex(reflect.ValueOf(key.String()))
	if !info.IsValid() {
		return 0, 0
	}
	pos := info.FieldByName("pos")
	if !pos.IsValid() {
		return 0, 0
	}
	l, s := pos.FieldByName("Line"), pos.FieldByName("Start")
	if !l.IsValid() || !s.IsValid() {
		return 0, 0
	}
	line, start := int(l.Int()), int(s.Int())
	if start < 0 || start > len(src) {
		return line, 0
	}
	lineStart := strings.LastIndexByte(src[:start], '\n') + 1
	col = start - lineStart + 1
	if last := key[len(key)-1]; last != "" {
		if i := strings.LastIndex(src[lineStart:start], last); i >= 0 {
			col = i + 1
			if i > 0 && (src[lineStart+i-1] == '"' || src[lineStart+i-1] == '\'') {
				col-- // a quoted key starts at its quote
			}
		}
	}
	return line, col
}

// at returns a *ConfigError for key, positioned if the source is known.
func (c *PluginsConfig) at(file string, msg string, key ...string) error {
	e := &ConfigError{File: file, Key: toml.Key(key).String(), Msg: msg}
	if c.md != nil {
		e.Line, e.Col = keyPosition(c.md, key, c.src)
		if e.Line == 0 && len(key) > 1 { // an absent key: point at its table
			e.Line, e.Col = keyPosition(c.md, key[:len(key)-1], c.src)
		}
	}
	return e
}

// Validate checks values and references: kinds, on_error, grants,
// numbers, every topic's plugin references (defined, of the right kind),
// and that no plugin takes a built-in codec's name. It returns every
// problem found, joined.
func (c *PluginsConfig) Validate(file string) error {
	var errs []error
	add := func(msg string, key ...string) { errs = append(errs, c.at(file, msg, key...)) }
	for _, name := range sortedKeys(c.Plugins) {
		p := c.Plugins[name]
		switch name {
		case CodecBytes, CodecString, CodecJSON:
			add(fmt.Sprintf("%q is a built-in codec name", name), "plugins", name)
		}
		kind, err := parseKind(p.Kind)
		if err != nil {
			add(err.Error(), "plugins", name, "kind")
		}
		if p.Path == "" {
			add("path is required", "plugins", name, "path")
		}
		if p.MaxMemoryMB < 0 || p.MaxMemoryMB > 4096 {
			add("want 1 to 4096 (default 16)", "plugins", name, "max_memory_mb")
		}
		if p.TimeoutMS != nil && *p.TimeoutMS < 0 {
			add("want >= 0 (0: no time bound)", "plugins", name, "timeout_ms")
		}
		if p.PoolSize < 0 {
			add("want >= 1", "plugins", name, "pool_size")
		}
		onErr, err := parseOnError(p.OnError)
		if err != nil {
			add(err.Error(), "plugins", name, "on_error")
		} else if kind == KindCodec && onErr == OnErrorFallback {
			add("fallback is not allowed for codecs", "plugins", name, "on_error")
		}
		for _, g := range p.Grants {
			switch g {
			case "clock", "random":
			default:
				add(fmt.Sprintf("unknown grant %q (want clock or random)", g), "plugins", name, "grants")
			}
		}
		if s := strings.TrimPrefix(strings.ToLower(p.SHA256), "sha256:"); p.SHA256 != "" && !isHex64(s) {
			add("want 64 hex digits", "plugins", name, "sha256")
		}
	}
	ref := func(topic, field, plugin string, want Kind) {
		p, ok := c.Plugins[plugin]
		switch {
		case !ok:
			add(fmt.Sprintf("plugin %q is not defined", plugin), "topics", topic, field)
		case Kind(p.Kind) != want && p.Kind != "":
			add(fmt.Sprintf("plugin %q is a %s, not a %s", plugin, p.Kind, want), "topics", topic, field)
		}
	}
	for _, name := range sortedKeys(c.Topics) {
		t := c.Topics[name]
		if t.Partitioner != "" {
			ref(name, "partitioner", t.Partitioner, KindPartitioner)
		}
		for _, f := range []struct{ field, v string }{{"key_codec", t.KeyCodec}, {"value_codec", t.ValueCodec}} {
			switch f.v {
			case "", CodecBytes, CodecString, CodecJSON:
			default:
				ref(name, f.field, f.v, KindCodec)
			}
		}
		seen := map[string]bool{}
		for _, e := range t.Enrichers {
			if seen[e] {
				add(fmt.Sprintf("enricher %q is listed twice", e), "topics", name, "enrichers")
			}
			seen[e] = true
			ref(name, "enrichers", e, KindEnricher)
		}
	}
	return errors.Join(errs...)
}

// PluginConfig returns the runtime.PluginConfig of plugin name, with a
// relative path resolved against baseDir.
func (c *PluginsConfig) PluginConfig(name, baseDir string) (PluginConfig, error) {
	p, ok := c.Plugins[name]
	if !ok {
		return PluginConfig{}, fmt.Errorf("kafkawasm: plugin %q is not defined", name)
	}
	path := p.Path
	if path != "" && !filepath.IsAbs(path) {
		path = filepath.Join(baseDir, path)
	}
	cfg := PluginConfig{Name: name, Kind: Kind(p.Kind), Path: path, SHA256: p.SHA256, MaxMemoryMB: p.MaxMemoryMB,
		OnError: OnError(p.OnError), Config: p.Config, Grants: p.Grants, PoolSize: p.PoolSize}
	if p.TimeoutMS != nil {
		cfg.Timeout = time.Duration(*p.TimeoutMS) * time.Millisecond
		if *p.TimeoutMS == 0 {
			cfg.Timeout = -1
		}
	}
	return cfg, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
