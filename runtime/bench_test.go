package runtime_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// Benchmarks report ns/record: run with
//
//	go test -run XXX -bench . -benchtime 2s ./runtime/
//
// "native" is the same logic in Go; "wasm/<bound>" the WAT fixtures under
// each time-bound mechanism; "go/<bound>" the Go guest (testdata/goguest).

var batchSizes = []int{1, 16, 256}

func benchMsgs(n int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{
			Key:     fmt.Appendf(nil, "customer-%08d", i),
			Value:   make([]byte, 100),
			Headers: []kafka.Header{{Key: "content-type", Value: []byte("application/json")}},
		}
	}
	return msgs
}

func perRecord(b *testing.B, batch int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/record")
}

type bound struct {
	name string
	tb   runtime.TimeBound
}

var bounds = []bound{{"none", runtime.TimeBoundNone}, {"instrument", runtime.TimeBoundInstrument}, {"context", runtime.TimeBoundContext}}

func nativePartitioner() kafka.RecordPartitioner {
	return nativePart{}
}

type nativePart struct{}

func (nativePart) Partition(_ string, key, _ []byte, n int) int {
	if key == nil {
		return -1
	}
	h := fnv.New32a()
	h.Write(key)
	return int(h.Sum32() % uint32(n))
}

func (p nativePart) PartitionRecords(t string, msgs []kafka.Message, n int, out []int32, errs []error) {
	for i := range msgs {
		out[i] = int32(p.Partition(t, msgs[i].Key, msgs[i].Value, n))
	}
}

func BenchmarkPartitioner(b *testing.B) {
	impls := []struct {
		name string
		p    func(b *testing.B) kafka.RecordPartitioner
	}{{"native", func(*testing.B) kafka.RecordPartitioner { return nativePartitioner() }}}
	for _, bd := range bounds {
		impls = append(impls, struct {
			name string
			p    func(b *testing.B) kafka.RecordPartitioner
		}{"wasm/" + bd.name, func(b *testing.B) kafka.RecordPartitioner {
			return load(b, runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindPartitioner, TimeBound: bd.tb, Timeout: time.Second}).Partitioner()
		}})
	}
	for _, bd := range bounds {
		impls = append(impls, struct {
			name string
			p    func(b *testing.B) kafka.RecordPartitioner
		}{"go/" + bd.name, func(b *testing.B) kafka.RecordPartitioner {
			return load(b, runtime.PluginConfig{Name: "goguest", Path: goGuest(b), Kind: runtime.KindPartitioner, TimeBound: bd.tb, Timeout: time.Second}).Partitioner()
		}})
	}
	for _, impl := range impls {
		for _, n := range batchSizes {
			b.Run(fmt.Sprintf("%s/batch=%d", impl.name, n), func(b *testing.B) {
				p := impl.p(b)
				msgs := benchMsgs(n)
				out := make([]int32, n)
				errs := make([]error, n)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					p.PartitionRecords("orders", msgs, 12, out, errs)
				}
				perRecord(b, n)
				for _, e := range errs {
					if e != nil {
						b.Fatal(e)
					}
				}
			})
		}
	}
}

type nativeEnricher struct{ host []byte }

func (e nativeEnricher) Intercept(_ string, msgs []kafka.Message, _ []error) {
	for i := range msgs {
		old := msgs[i].Headers
		h := make([]kafka.Header, len(old), len(old)+3)
		copy(h, old)
		key := append([]byte(nil), msgs[i].Key...)
		h = append(h, kafka.Header{Key: "x-wasm", Value: []byte("1")}, kafka.Header{Key: "x-key", Value: key},
			kafka.Header{Key: "x-host", Value: e.host})
		msgs[i].Headers = h
	}
}

type nativeCodec struct{}

func (nativeCodec) Intercept(_ string, msgs []kafka.Message, _ []error) {
	for i := range msgs {
		v := make([]byte, 1+len(msgs[i].Value))
		v[0] = 1
		copy(v[1:], msgs[i].Value)
		msgs[i].Value = v
	}
}

func benchInterceptor(b *testing.B, name string, kind runtime.Kind, native kafka.Interceptor, cfg map[string]any) {
	impls := []struct {
		name string
		i    func(b *testing.B) kafka.Interceptor
	}{{"native", func(*testing.B) kafka.Interceptor { return native }}}
	for _, bd := range bounds {
		impls = append(impls, struct {
			name string
			i    func(b *testing.B) kafka.Interceptor
		}{"wasm/" + bd.name, func(b *testing.B) kafka.Interceptor {
			return load(b, runtime.PluginConfig{Name: name, Kind: kind, TimeBound: bd.tb, Timeout: time.Second, Config: cfg}).Interceptor()
		}})
	}
	for _, impl := range impls {
		for _, n := range batchSizes {
			b.Run(fmt.Sprintf("%s/batch=%d", impl.name, n), func(b *testing.B) {
				it := impl.i(b)
				orig := benchMsgs(n)
				msgs := make([]kafka.Message, n)
				errs := make([]error, n)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					copy(msgs, orig)
					it.Intercept("orders", msgs, errs)
				}
				perRecord(b, n)
				for _, e := range errs {
					if e != nil {
						b.Fatal(e)
					}
				}
			})
		}
	}
}

func BenchmarkEnricher(b *testing.B) {
	benchInterceptor(b, "enricher", runtime.KindEnricher, nativeEnricher{host: []byte(`"web-1"`)}, map[string]any{"host": "web-1"})
}

func BenchmarkCodec(b *testing.B) {
	benchInterceptor(b, "codec", runtime.KindCodec, nativeCodec{}, nil)
}

// BenchmarkLoad measures Load from a new Runtime, as at process start:
// cold compiles (empty cache directory), warm finds the compiled module
// (and the instrumented binary) in the cache directory.
func BenchmarkLoad(b *testing.B) {
	for _, m := range []struct{ name, path string }{{"wat", fixture("partitioner")}, {"go", ""}} {
		for _, warm := range []bool{false, true} {
			name := m.name + "/cold"
			if warm {
				name = m.name + "/warm"
			}
			b.Run(name, func(b *testing.B) {
				path := m.path
				if path == "" {
					path = goGuest(b)
				}
				dir := b.TempDir()
				once := func(dir string) {
					rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: dir, Logger: quietLogger()})
					if err != nil {
						b.Fatal(err)
					}
					p, err := rt.Load(context.Background(), runtime.PluginConfig{Name: "p", Path: path, Kind: runtime.KindPartitioner})
					if err != nil {
						b.Fatal(err)
					}
					p.Close(context.Background())
					rt.Close(context.Background())
				}
				if warm {
					once(dir)
				}
				b.ResetTimer()
				for b.Loop() {
					d := dir
					if !warm {
						b.StopTimer()
						d = b.TempDir()
						b.StartTimer()
					}
					once(d)
				}
			})
		}
	}
}
