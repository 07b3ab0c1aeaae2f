package pipeline_test

import (
	"context"
	"errors"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/internal/cli/pipeline"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// The fixtures are the runtime's hand-written test plugins (see
// plugins/testdata/hostile/README.md): partitioner = fnv1a32(key) % n,
// codec = prefix 0x01, enricher = x-wasm, x-key, x-host headers.
var fixtures, _ = filepath.Abs("../../../plugins/testdata/hostile")

type calls struct {
	mu sync.Mutex
	n  map[string]int
	f  map[string]int
}

func (c *calls) PluginCall(plugin string, _ runtime.Kind, records, failed int, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[plugin] += records
	c.f[plugin] += failed
}

func load(t *testing.T, src string) (*pipeline.Pipeline, *calls) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.toml")
	src = strings.ReplaceAll(src, "FIXTURES", fixtures)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: "-", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	c := &calls{n: map[string]int{}, f: map[string]int{}}
	pl, err := pipeline.Load(context.Background(), rt, f, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Close(context.Background()) })
	return pl, c
}

const cfg = `
[producer]
partitioner = "round-robin"
[plugins.p]
kind = "partitioner"
path = "FIXTURES/partitioner.wasm"
[plugins.c]
kind = "codec"
path = "FIXTURES/codec.wasm"
[plugins.e]
kind = "enricher"
path = "FIXTURES/enricher.wasm"
config = { host = "h1" }
[topics.t]
partitioner = "p"
value_codec = "c"
enrichers = ["e"]
[topics.j]
key_codec = "json"
`

func fnv1a(b []byte) int32 {
	h := fnv.New32a()
	h.Write(b)
	return int32(h.Sum32())
}

func TestPipeline(t *testing.T) {
	pl, c := load(t, cfg)
	var pc kafka.ProducerConfig
	pl.Configure(&pc)
	rp := pc.Partitioner.(kafka.RecordPartitioner)
	ic := pc.Interceptors[0]
	var captured []kafka.Message
	pl.SetCapture(func(_ string, msgs []kafka.Message, _ []error) { captured = append([]kafka.Message(nil), msgs...) })

	msgs := []kafka.Message{{Key: []byte("a"), Value: []byte("v")}, {Key: []byte("bad"), Value: []byte("w")}, {Value: []byte("x")}}
	errs := make([]error, len(msgs))
	ic.Intercept("t", msgs, errs)
	if errs[0] != nil || string(msgs[0].Value) != "\x01v" || len(msgs[0].Headers) != 3 ||
		msgs[0].Headers[1].Key != "x-key" || string(msgs[0].Headers[2].Value) != `"h1"` {
		t.Fatalf("record 0: %v %+v", errs[0], msgs[0])
	}
	if errs[1] == nil || !errors.Is(errs[1], runtime.ErrRecordRejected) {
		t.Fatalf("record 1: want the enricher's rejection, got %v", errs[1])
	}
	if len(captured) != 3 || len(captured[0].Headers) != 3 {
		t.Fatalf("capture saw %+v", captured)
	}
	out := make([]int32, len(msgs))
	rp.PartitionRecords("t", msgs, 7, out, errs)
	if want := int32(uint32(fnv1a([]byte("a"))) % 7); out[0] != want {
		t.Errorf("partition of a: %d, want %d", out[0], want)
	}
	if out[2] != -1 {
		t.Errorf("keyless: %d, want -1 (no opinion: sticky)", out[2])
	}

	// Other topics: the [producer] default, round-robin, no stages.
	other := []kafka.Message{{Key: []byte("a")}, {Key: []byte("a")}, {Key: []byte("a")}, {Partition: new(int32(1))}}
	oerrs := make([]error, len(other))
	ic.Intercept("other", other, oerrs)
	oout := make([]int32, len(other))
	rp.PartitionRecords("other", other, 3, oout, oerrs)
	if oout[0] != 0 || oout[1] != 1 || oout[2] != 2 || oout[3] != 1 || other[0].Headers != nil {
		t.Errorf("round-robin: %v", oout)
	}

	// The built-in json key codec.
	j := []kafka.Message{{Key: []byte(`{"a":1}`)}, {Key: []byte(`nope`)}, {}}
	jerrs := make([]error, len(j))
	ic.Intercept("j", j, jerrs)
	if jerrs[0] != nil || !errors.Is(jerrs[1], runtime.ErrInvalidJSON) || jerrs[2] != nil {
		t.Errorf("json codec: %v", jerrs)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n["c"] != 3 || c.n["e"] != 3 || c.f["e"] != 1 || c.n["p"] != 2 {
		t.Errorf("observer: records %v failed %v", c.n, c.f)
	}
}

func TestDefaultPluginPartitioner(t *testing.T) {
	pl, _ := load(t, `
[producer]
partitioner = "p"
[plugins.p]
kind = "partitioner"
path = "FIXTURES/partitioner.wasm"
`)
	var pc kafka.ProducerConfig
	pl.Configure(&pc)
	msgs := []kafka.Message{{Key: []byte("zz")}}
	out := []int32{-5}
	pc.Partitioner.(kafka.RecordPartitioner).PartitionRecords("any", msgs, 5, out, []error{nil})
	if want := int32(uint32(fnv1a([]byte("zz"))) % 5); out[0] != want {
		t.Errorf("got %d, want %d", out[0], want)
	}
}

func TestLoadErrorsNamePlugins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.toml")
	src := strings.ReplaceAll(`
[plugins.old]
kind = "partitioner"
path = "FIXTURES/abi2.wasm"
[plugins.imports]
kind = "partitioner"
path = "FIXTURES/badimport.wasm"
`, "FIXTURES", fixtures)
	os.WriteFile(path, []byte(src), 0o644)
	f, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: "-", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer rt.Close(context.Background())
	_, err = pipeline.Load(context.Background(), rt, f, nil)
	if err == nil || !strings.Contains(err.Error(), `plugin "old"`) || !strings.Contains(err.Error(), `plugin "imports"`) ||
		!errors.Is(err, runtime.ErrABIVersion) || !errors.Is(err, runtime.ErrUnknownImport) {
		t.Fatalf("got %v", err)
	}
}
