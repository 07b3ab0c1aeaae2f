package runtime_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

const goodTOML = `
[plugins.fnv]
kind = "partitioner"
path = "partitioner.wasm"
timeout_ms = 50
on_error = "fallback"

[plugins.prefix]
kind = "codec"
path = "codec.wasm"

[plugins.tags]
kind = "enricher"
path = "enricher.wasm"
[plugins.tags.config]
host = "web-1"

[plugins.tags2]
kind = "enricher"
path = "enricher.wasm"
max_memory_mb = 8
grants = ["clock"]
[plugins.tags2.config]
host = "web-2"

[topics.orders]
partitioner = "fnv"
value_codec = "prefix"
enrichers = ["tags", "tags2"]

[topics.events]
value_codec = "json"
`

func TestParseConfig(t *testing.T) {
	cfg, err := runtime.ParseConfig("producer.toml", []byte(goodTOML))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Plugins) != 4 || cfg.Topics["orders"].Enrichers[1] != "tags2" || cfg.Plugins["tags"].Config["host"] != "web-1" {
		t.Fatalf("%+v", cfg)
	}
	pc, err := cfg.PluginConfig("fnv", "/etc/kw")
	if err != nil || pc.Path != "/etc/kw/partitioner.wasm" || pc.Timeout.Milliseconds() != 50 || pc.OnError != runtime.OnErrorFallback {
		t.Fatalf("%+v %v", pc, err)
	}
}

func TestConfigErrorsHaveLineAndColumn(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings, one per expected error
	}{
		{"unknown plugin key", "[plugins.a]\nkind = \"codec\"\npath = \"x.wasm\"\n  timeout = 5\n",
			[]string{"f.toml:4:3: plugins.a.timeout: unknown key"}},
		{"unknown top-level table", "[client]\nid = 1\n", []string{"f.toml:1:1: client: unknown key", "f.toml:2:1: client.id: unknown key"}},
		{"unknown topic key", "[topics.t]\npartitioner = \"\"\nenricher = [\"x\"]\n", []string{"f.toml:3:1: topics.t.enricher: unknown key"}},
		{"syntax", "[plugins.a]\nkind = \n", []string{"f.toml:2:"}},
		{"bad kind", "[plugins.a]\nkind = \"filter\"\npath = \"a.wasm\"\n", []string{`f.toml:2:1: plugins.a.kind: kind "filter"`}},
		{"missing path", "[plugins.a]\nkind = \"codec\"\n", []string{"f.toml:1:1: plugins.a.path: path is required"}},
		{"undefined reference", "[topics.t]\npartitioner = \"nope\"\n", []string{`f.toml:2:1: topics.t.partitioner: plugin "nope" is not defined`}},
		{"wrong kind reference", "[plugins.c]\nkind = \"codec\"\npath = \"c.wasm\"\n[topics.t]\nenrichers = [\"c\"]\n",
			[]string{`f.toml:5:1: topics.t.enrichers: plugin "c" is a codec, not a enricher`}},
		{"codec fallback", "[plugins.c]\nkind = \"codec\"\npath = \"c.wasm\"\non_error = \"fallback\"\n",
			[]string{"f.toml:4:1: plugins.c.on_error: fallback is not allowed for codecs"}},
		{"bad grant and sha", "[plugins.c]\nkind = \"codec\"\npath = \"c.wasm\"\ngrants = [\"net\"]\nsha256 = \"xyz\"\n",
			[]string{`plugins.c.grants: unknown grant "net"`, "plugins.c.sha256: want 64 hex digits"}},
		{"reserved name", "[plugins.json]\nkind = \"codec\"\npath = \"c.wasm\"\n", []string{`plugins.json: "json" is a built-in codec name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.ParseConfig("f.toml", []byte(tt.src))
			if err == nil {
				t.Fatal("no error")
			}
			var ce *runtime.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err %T %v, want *ConfigError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// The binary embeds PluginsConfig in its own config struct.
func TestEmbeddedConfig(t *testing.T) {
	src := `
[client]
client_id = "app"

[plugins.p]
kind = "partitioner"
path = "partitioner.wasm"
colour = "blue"

[topics.t]
partitioner = "p"
`
	var file struct {
		Client struct {
			ClientID string `toml:"client_id"`
		} `toml:"client"`
		runtime.PluginsConfig
	}
	md, err := toml.Decode(src, &file)
	if err != nil {
		t.Fatal(err)
	}
	if file.Client.ClientID != "app" || file.Plugins["p"].Kind != "partitioner" || file.Topics["t"].Partitioner != "p" {
		t.Fatalf("%+v", file)
	}
	err = runtime.UndecodedError("producer.toml", md, []byte(src))
	if err == nil || !strings.Contains(err.Error(), "producer.toml:8:1: plugins.p.colour: unknown key") {
		t.Fatalf("err = %v", err)
	}
	file.SetSource(md, []byte(src))
	if err := file.Validate("producer.toml"); err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t *testing.T, src string) string {
	dir := t.TempDir()
	for _, f := range []string{"partitioner", "codec", "enricher"} {
		b, err := readFixture(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f+".wasm"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "producer.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Codecs first, then enrichers in order; the partitioner sees the final
// bytes; unconfigured topics pass through.
func TestPipeline(t *testing.T) {
	path := writeConfig(t, goodTOML)
	cfg, err := runtime.LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := testRuntime(t).Build(context.Background(), cfg, filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close(context.Background())

	msgs := []kafka.Message{{Key: []byte("k1"), Value: []byte("v1")}, {Key: []byte("k2"), Value: []byte("bad")}}
	errs := make([]error, len(msgs))
	pl.Interceptor().Intercept("orders", msgs, errs)
	if errs[0] != nil || string(msgs[0].Value) != "\x01v1" {
		t.Fatalf("codec: %v %q", errs[0], msgs[0].Value)
	}
	var keys, hosts []string
	for _, h := range msgs[0].Headers {
		keys = append(keys, h.Key)
		if h.Key == "x-host" {
			hosts = append(hosts, string(h.Value))
		}
	}
	if strings.Join(keys, ",") != "x-wasm,x-key,x-host,x-wasm,x-key,x-host" || strings.Join(hosts, ",") != `"web-1","web-2"` {
		t.Fatalf("enrichers out of order: %v %v", keys, hosts)
	}
	if !errors.Is(errs[1], runtime.ErrRecordRejected) || msgs[1].Headers != nil {
		t.Fatalf("a record failed by the codec must skip the enrichers: %v %q", errs[1], msgs[1].Headers)
	}
	out := make([]int32, len(msgs))
	pl.Partitioner().PartitionRecords("orders", msgs, 6, out, errs)
	if out[0] != fnvPartition([]byte("k1"), 6) {
		t.Fatalf("partition %d", out[0])
	}

	// events: built-in json check; no partitioner plugin: murmur2.
	ev := []kafka.Message{{Key: []byte("k"), Value: []byte(`{"a":1}`)}, {Value: []byte("{nope")}}
	everrs := make([]error, 2)
	pl.Interceptor().Intercept("events", ev, everrs)
	if everrs[0] != nil || !errors.Is(everrs[1], runtime.ErrInvalidJSON) {
		t.Fatalf("json: %v", everrs)
	}
	evout := make([]int32, 2)
	pl.Partitioner().PartitionRecords("events", ev, 6, evout, []error{nil, nil})
	if want := int32(kafka.Murmur2Partitioner.Partition("events", []byte("k"), nil, 6)); evout[0] != want || evout[1] != -1 {
		t.Fatalf("default partitioning: %v", evout)
	}
	other := records("x")
	pl.Interceptor().Intercept("unknown", other, make([]error, 1))
	if other[0].Headers != nil || string(other[0].Value) != "value-x" {
		t.Fatal("unconfigured topic was modified")
	}
	if pl.Plugin("tags").Kind() != runtime.KindEnricher || len(pl.Plugins()) != 4 {
		t.Fatal("plugins")
	}
}

func TestBuildReportsEveryLoadError(t *testing.T) {
	src := goodTOML + "\n[plugins.missing]\nkind = \"codec\"\npath = \"missing.wasm\"\n" +
		"\n[plugins.pinned]\nkind = \"codec\"\npath = \"codec.wasm\"\nsha256 = \"" + strings.Repeat("0", 64) + "\"\n"
	path := writeConfig(t, src)
	cfg, err := runtime.LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = testRuntime(t).Build(context.Background(), cfg, filepath.Dir(path))
	if !errors.Is(err, runtime.ErrSHA256Mismatch) || !strings.Contains(err.Error(), `"missing"`) || !strings.Contains(err.Error(), `"pinned"`) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodTOML))
	f.Add([]byte("[plugins.a]\nkind = 1\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, _ = runtime.ParseConfig("f.toml", src) // must not panic
	})
}

// TestParseConfigNestedPluginConfig checks that tables nested in a plugin's
// free-form config are the plugin's, not unknown keys, while a typo next to
// them is still caught.
func TestParseConfigNestedPluginConfig(t *testing.T) {
	src := `
[plugins.codec]
kind = "codec"
path = "codec.wasm"
[plugins.codec.config]
required = ["id", "total"]
types = { id = "string", total = "number" }
[plugins.codec.config.deep.deeper]
x = 1
`
	cfg, err := runtime.ParseConfig("nested.toml", []byte(src))
	if err != nil {
		t.Fatalf("nested plugin config refused: %v", err)
	}
	types, ok := cfg.Plugins["codec"].Config["types"].(map[string]any)
	if !ok || types["total"] != "number" {
		t.Fatalf("config not decoded: %#v", cfg.Plugins["codec"].Config)
	}
	_, err = runtime.ParseConfig("typo.toml", []byte(src+"\n[plugins.other]\nkind = \"codec\"\npath = \"c.wasm\"\ntimeout = 5\n"))
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("unknown key next to a nested config not reported: %v", err)
	}
}
