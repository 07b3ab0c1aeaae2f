package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
)

func noEnv(string) string { return "" }

func TestDefaults(t *testing.T) {
	f, err := Parse("empty.toml", nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Producer
	want := Producer{Acks: kafka.AcksAll, Compression: kafka.CompressionNone, Linger: 5 * time.Millisecond,
		MaxBatchBytes: 16384, Retries: 3, RetryBackoff: 100 * time.Millisecond, MaxRetryBackoff: time.Second,
		Partitioner: "murmur2", RequestTimeout: 30 * time.Second, MaxInFlight: 5,
		TransactionTimeout: 60 * time.Second, DeliveryTimeout: 120 * time.Second,
		MaxBufferedRecords: 100000, MaxBufferedBytes: 32 << 20, MaxMessageBytes: 1 << 20}
	if p != want {
		t.Errorf("producer defaults:\n got %+v\nwant %+v", p, want)
	}
	if f.Client.ClientID != "kafkawasm" || len(f.Client.Brokers) != 0 || f.DevBroker.Partitions != 3 {
		t.Errorf("client/dev broker defaults: %+v %+v", f.Client, f.DevBroker)
	}
	if d := Default(); d.Producer != want {
		t.Errorf("Default() producer = %+v", d.Producer)
	}
}

func TestProducerOptions(t *testing.T) {
	src := `
[producer]
acks = "leader"
compression = "zstd"
linger_ms = 0
max_batch_bytes = 1000
retries = 0
retry_backoff_ms = 10
max_retry_backoff_ms = 20
partitioner = "round-robin"
request_timeout_ms = 1000
max_in_flight = 1
idempotent = false
transactional_id = ""
transaction_timeout_ms = 5000
delivery_timeout_ms = 9000
max_buffered_records = 10
max_buffered_bytes = 2000000
max_message_bytes = 2000
`
	f, err := Parse("p.toml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	kc := f.Producer.KafkaProducerConfig()
	if kc.Acks != kafka.AcksLeader || kc.Compression != kafka.CompressionZstd || kc.Linger != kafka.NoLinger ||
		kc.Retries != kafka.NoRetries || kc.Partitioner != kafka.RoundRobinPartitioner || kc.MaxInFlight != 1 ||
		kc.DeliveryTimeout != 9*time.Second || kc.MaxMessageBytes != 2000 {
		t.Errorf("KafkaProducerConfig = %+v", kc)
	}
}

func TestEnvBrokers(t *testing.T) {
	src := "[client]\nbrokers = [\"a:1\"]\n"
	f, err := Parse("c.toml", []byte(src), func(k string) string {
		if k == EnvBrokers {
			return " b:2, c:3 ,"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Client.Brokers, ",") != "b:2,c:3" || f.BrokersFrom != EnvBrokers {
		t.Errorf("brokers %v from %s", f.Client.Brokers, f.BrokersFrom)
	}
}

func TestSASLPasswordFromEnv(t *testing.T) {
	src := "[client]\nbrokers=[\"a:1\"]\n[client.sasl]\nmechanism = \"scram-sha-512\"\nusername = \"u\"\npassword_env = \"PW\"\n"
	f, err := Parse("c.toml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.KafkaClientConfig(func(k string) string {
		if k == "PW" {
			return "secret"
		}
		return ""
	})
	if err != nil || cfg.SASL.Password != "secret" || cfg.SASL.Mechanism != kafka.SASLScramSHA512 {
		t.Fatalf("cfg %+v err %v", cfg.SASL, err)
	}
	_, err = f.KafkaClientConfig(noEnv)
	if err == nil || !strings.Contains(err.Error(), "c.toml:6:1: client.sasl.password_env: environment variable PW") {
		t.Fatalf("missing env: %v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatal("password leaked")
	}
}

// TestProblems is the table of config errors: each must name file, line
// and column (or the plugin).
func TestProblems(t *testing.T) {
	dir := t.TempDir()
	wasm, err := os.ReadFile("testdata/empty.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	good := hex.EncodeToString(sum[:])
	bad := strings.Repeat("0", 64)
	tests := []struct {
		name string
		src  string
		want []string // substrings of the error, in order
	}{
		{"unknown top-level key", "[clients]\nx = 1\n", []string{"cfg.toml:1:2: clients: unknown key \"clients\""}},
		{"unknown key", "[producer]\nacks = \"all\"\n  lingerMs = 5\n", []string{"cfg.toml:3:3: producer.lingerMs: unknown key"}},
		{"unknown nested key", "[client.tls]\nca = \"x\"\n", []string{"cfg.toml:2:1: client.tls.ca: unknown key"}},
		{"unknown dotted key", "[producer]\nfoo.bar = 1\n", []string{"cfg.toml:2:1: producer.foo: unknown key"}},
		{"wrong type", "[producer]\nlinger_ms = \"5\"\n", []string{"cfg.toml:2:1: producer.linger_ms: expected an integer, got string \"5\""}},
		{"wrong type bool", "[producer]\nidempotent = 1\n", []string{"cfg.toml:2:1: producer.idempotent: expected true or false"}},
		{"wrong type array", "[client]\nbrokers = \"a:1\"\n", []string{"cfg.toml:2:1: client.brokers: expected an array of strings"}},
		{"wrong type table", "producer = 5\n", []string{"cfg.toml:1:1: producer: expected a table"}},
		{"out of range", "[producer]\nmax_in_flight = 0\n", []string{"cfg.toml:2:1: producer.max_in_flight: must be at least 1"}},
		{"bad enum", "[producer]\ncompression = \"brotli\"\n", []string{"cfg.toml:2:1: producer.compression: unknown codec \"brotli\""}},
		{"syntax", "[producer\n", []string{"cfg.toml:2:10: expected"}},
		{"duplicate key", "[producer]\nacks = \"all\"\nacks = \"none\"\n", []string{"cfg.toml:3:"}},
		{"missing plugin file", "[plugins.p]\nkind = \"enricher\"\npath = \"nope.wasm\"\n",
			[]string{"cfg.toml:3:1: plugins.p.path: plugin \"p\": file not found"}},
		{"sha256 mismatch", "[plugins.p]\nkind = \"enricher\"\npath = \"p.wasm\"\nsha256 = \"" + bad + "\"\n",
			[]string{"cfg.toml:4:1: plugins.p.sha256: plugin \"p\": sha256 mismatch"}},
		{"unknown plugin kind", "[plugins.p]\nkind = \"serializer\"\npath = \"p.wasm\"\n",
			[]string{"cfg.toml:2:1: plugins.p.kind: kind \"serializer\": want \"partitioner\", \"codec\" or \"enricher\""}},
		{"topic wired to undefined plugin", "[topics.orders]\nenrichers = [\"trace\"]\n",
			[]string{"cfg.toml:2:1: topics.orders.enrichers: plugin \"trace\" is not defined"}},
		{"undefined partitioner", "[plugins.p]\nkind = \"enricher\"\npath = \"p.wasm\"\n[topics.t]\npartitioner = \"by-region\"\n",
			[]string{"cfg.toml:5:1: topics.t.partitioner: plugin \"by-region\" is not defined"}},
		{"wrong plugin kind", "[plugins.p]\nkind = \"enricher\"\npath = \"p.wasm\"\n[topics.t]\nvalue_codec = \"p\"\n",
			[]string{"cfg.toml:5:1: topics.t.value_codec: plugin \"p\" is a enricher, not a codec"}},
		{"codec fallback", "[plugins.p]\nkind = \"codec\"\npath = \"p.wasm\"\non_error = \"fallback\"\n",
			[]string{"cfg.toml:4:1: plugins.p.on_error: fallback is not allowed for codecs"}},
		{"inline table key", "[plugins]\np = { kind = \"enricher\", path = \"p.wasm\", color = \"red\" }\n",
			[]string{"cfg.toml:2:43: plugins.p.color: unknown key"}},
		{"plugin value of wrong type", "[plugins.p]\nkind = \"enricher\"\npath = \"p.wasm\"\ntimeout_ms = \"20\"\ngrants = [1]\n",
			[]string{"cfg.toml:4:1: plugins.p.timeout_ms: expected an integer, got string \"20\"", "cfg.toml:5:1: plugins.p.grants: element 0: expected a string"}},
		{"unknown plugin key", "[plugins.p]\nkind = \"enricher\"\npath = \"p.wasm\"\nmemory = 3\n",
			[]string{"cfg.toml:4:1: plugins.p.memory: unknown key \"memory\""}},
		{"producer partitioner undefined", "[producer]\npartitioner = \"by-key\"\n",
			[]string{"cfg.toml:2:1: producer.partitioner: \"by-key\" is neither a built-in partitioner"}},
		{"every problem at once", "[producer]\nacks = \"most\"\nlinger_ms = -1\nbogus = true\n[topics.t]\npartitioner = \"x\"\n",
			[]string{"cfg.toml:2:1: producer.acks", "cfg.toml:3:1: producer.linger_ms", "cfg.toml:4:1: producer.bogus", "cfg.toml:6:1: topics.t.partitioner"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "cfg.toml")
			_, err := Parse(path, []byte(tc.src), noEnv)
			if err == nil {
				t.Fatal("no error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T, want *Error", err)
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			rest := msg
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error\n%s\ndoes not contain (in order) %q", msg, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
	t.Run("sha256 match", func(t *testing.T) {
		src := "[plugins.p]\nkind = \"enricher\"\npath = \"p.wasm\"\nsha256 = \"" + strings.ToUpper(good) + "\"\n[topics.t]\nenrichers = [\"p\"]\n"
		f, err := Parse(filepath.Join(dir, "cfg.toml"), []byte(src), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if p := f.Plugins.Plugins["p"]; p.Path != "p.wasm" || p.Kind != "enricher" {
			t.Errorf("plugin %+v", p)
		}
	})
}

func TestKeyIndex(t *testing.T) {
	src := `# comment
title = "x" # trailing
[a]
b = """multi
[not.a.table]
c = 1"""
"quoted.key" = 'lit'
d.e = [1, [2, 3], { f = 4 },
  # comment in array
  "]" ]
dt = 1979-05-27 07:32:00Z
[[arr.tab]]
g = { h = { i = 1 } }
[ 'x y' . z ]
k = '''
'''''
l = true
`
	ki := indexKeys([]byte(src))
	tests := []struct {
		path []string
		want Pos
	}{
		{[]string{"title"}, Pos{2, 1}},
		{[]string{"a"}, Pos{3, 2}},
		{[]string{"a", "b"}, Pos{4, 1}},
		{[]string{"a", "quoted.key"}, Pos{7, 1}},
		{[]string{"a", "d", "e"}, Pos{8, 3}},
		{[]string{"a", "d", "e", "f"}, Pos{8, 21}},
		{[]string{"a", "dt"}, Pos{11, 1}},
		{[]string{"arr", "tab", "g", "h", "i"}, Pos{13, 13}},
		{[]string{"x y", "z"}, Pos{14, 11}},
		{[]string{"x y", "z", "l"}, Pos{17, 1}},
	}
	for _, tc := range tests {
		got, ok := ki.exact(tc.path...)
		if !ok || got != tc.want {
			t.Errorf("%q: got %v %v, want %v", tc.path, got, ok, tc.want)
		}
	}
	if _, ok := ki.exact("not", "a", "table"); ok {
		t.Error("key inside a multi-line string was indexed")
	}
}

func FuzzKeyIndex(f *testing.F) {
	f.Add([]byte("[a]\nb = 1\n"))
	f.Add([]byte("a = { b = [1, 2], c = \"\"\"x\"\"\" }\n"))
	f.Add([]byte("'a'.\"b\" = '''\n'''\n[[c]]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ki := indexKeys(src)
		for k := range ki.offsets {
			p := ki.pos(strings.Split(k, "\x00")...)
			if !p.IsValid() {
				t.Fatalf("invalid pos for %q", k)
			}
		}
	})
}

// FuzzParse: any input gives a config or located problems, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("[producer]\nacks = \"all\"\nlinger_ms = 5\n"))
	f.Add([]byte("[plugins.p]\nkind = \"codec\"\npath = \"x.wasm\"\n[topics.t]\nvalue_codec = \"p\"\n"))
	f.Add([]byte("[client.tls]\n[client.sasl]\nusername = \"u\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := Parse(filepath.Join(t.TempDir(), "f.toml"), src, noEnv)
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %T: %v", err, err)
		}
	})
}
