package runtime_test

// End-to-end benchmarks of the plugin chain of testdata/e2e/chain-*.toml
// (region-partitioner + json-codec + two header-enrichers) against the same
// logic written in Go, and of loading the example plugins.
//
//	go test -run XXX -bench 'Chain|PluginLoad' ./runtime/
//	KAFKA_BOOTSTRAP=127.0.0.1:9092 go test -run XXX -bench Chain/kafka ./runtime/
//
// BenchmarkChain/<target>/<chain>: one op is one record; records/s is the
// end-to-end rate (Send through the chain until acknowledged) and x-native
// the rate over the native chain's in the same run (reported when the
// native sub-benchmark ran first). Targets: direct (the chain alone: the
// interceptors and the partitioner, as the producer calls them, no
// producer), kfake (in-process fake broker, sharing the CPUs), kafka (the
// real broker, when KAFKA_BOOTSTRAP is set).
//
// BenchmarkChainRatio/<kfake|kafka>: the native chain and the Wasm chains
// (Go, AssemblyScript, C and Rust builds) interleaved in rounds on one broker, their rates and the Wasm chains' ratios to native:
// the figure to quote, since in BenchmarkChain the chain that runs first
// also pays for the broker's warm-up.
//
// BenchmarkChainStages/<stage>/<native|wasm-go|wasm-as|wasm-c|wasm-rust>:
// each stage alone, ns/record in calls of 256 records: where the chain's
// time goes.
//
// BenchmarkPluginLoad/<go|as|c|rust>/<cold|warm>: NewRuntime + Load of the
// region-partitioner, as at process start, with an empty compilation cache
// directory (cold) or one a previous process filled (warm); ms/load, and
// min-ms/load, steadier on a shared machine.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// e2eBenchBatch is the number of records per Send call (and per chain call
// in the direct target).
const e2eBenchBatch = 256

// e2eChain is a partitioner and the interceptors in front of it.
type e2eChain struct {
	part kafka.RecordPartitioner
	ics  []kafka.Interceptor
}

// e2eWasmChains are the Wasm chains: the example plugins built from Go,
// AssemblyScript, C and Rust, wired by testdata/e2e/chain-<lang>.toml.
var e2eWasmChains = []string{"wasm-go", "wasm-as", "wasm-c", "wasm-rust"}

// e2eChainFile is the config file of Wasm chain name ("wasm-go" →
// "chain-go.toml").
func e2eChainFile(name string) string {
	return "chain-" + strings.TrimPrefix(name, "wasm-") + ".toml"
}

// e2eChains returns the chain called name: "native" or one of
// e2eWasmChains, for topic.
func e2eChains(b *testing.B, name, topic string) e2eChain {
	b.Helper()
	switch name {
	case "native":
		return e2eNativeChain()
	case "wasm-go", "wasm-as", "wasm-c", "wasm-rust":
		cfg, base := e2eConfig(b, e2eChainFile(name), map[string]string{"orders": topic})
		pl := e2eBuild(b, cfg, base)
		return e2eChain{pl.Partitioner(), []kafka.Interceptor{pl.Interceptor()}}
	}
	b.Fatalf("unknown chain %q", name)
	return e2eChain{}
}

var (
	e2eBenchOnce sync.Once
	e2eBenchMsgs []kafka.Message
)

// e2eBenchMessages are 4096 valid records of the e2e generator (keyed and
// keyless, with and without regions, some tombstones).
func e2eBenchMessages() []kafka.Message {
	e2eBenchOnce.Do(func() {
		for _, r := range e2eRecords(4096) {
			if r.reject == "" {
				e2eBenchMsgs = append(e2eBenchMsgs, r.msg)
			}
		}
	})
	return e2eBenchMsgs
}

var e2eNativeRates sync.Map // target → records/s of the native chain

func BenchmarkChain(b *testing.B) {
	chains := append([]string{"native"}, e2eWasmChains...)
	b.Run("direct", func(b *testing.B) {
		for _, name := range chains {
			b.Run(name, func(b *testing.B) {
				c := e2eChains(b, name, "orders-bench")
				e2eRunDirect(b, "direct", name, c, "orders-bench")
			})
		}
	})
	for _, target := range e2eBenchTargets() {
		b.Run(target, func(b *testing.B) {
			brokers, topic := e2eBenchTopic(b, target, "e2e-bench")
			for _, name := range chains {
				b.Run(name, func(b *testing.B) {
					c := e2eChains(b, name, topic)
					prod := e2eProducerWith(b, brokers, c.part, c.ics...)
					e2eRunProducer(b, target, name, prod, topic)
				})
			}
		})
	}
}

// e2eBenchTargets are the brokers the end-to-end benchmarks run against:
// kfake, and the real broker when KAFKA_BOOTSTRAP is set.
func e2eBenchTargets() []string {
	if os.Getenv(testkafka.EnvBootstrap) != "" {
		return []string{"kfake", "kafka"}
	}
	return []string{"kfake"}
}

// e2eBenchTopic starts (kfake) or finds (kafka) target's brokers and
// creates a 6-partition topic named from prefix on them.
func e2eBenchTopic(b *testing.B, target, prefix string) ([]string, string) {
	var brokers []string
	if target == "kfake" {
		_, brokers = testkafka.StartKfake(b, 1)
	} else {
		brokers = testkafka.Brokers(b)
	}
	topic := testkafka.TopicName(b, prefix)
	testkafka.CreateTopic(b, brokers, topic, 6, nil)
	return brokers, topic
}

// e2eReport reports records/s and, for a Wasm chain, the ratio to the
// native chain's rate on the same target.
func e2eReport(b *testing.B, target, name string, elapsed time.Duration) {
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "records/s")
	if name == "native" {
		e2eNativeRates.Store(target, rate)
		return
	}
	if native, ok := e2eNativeRates.Load(target); ok {
		b.ReportMetric(rate/native.(float64), "x-native")
	}
}

// e2eWorkers runs work(start, end) over [0, n) in chunks of e2eBenchBatch
// on GOMAXPROCS goroutines.
func e2eWorkers(n int, work func(w, start, end int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range goruntime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				start := int(next.Add(e2eBenchBatch)) - e2eBenchBatch
				if start >= n {
					return
				}
				work(w, start, min(start+e2eBenchBatch, n))
			}
		})
	}
	wg.Wait()
}

// e2eRunDirect calls the chain as the producer does (a copy of the
// messages, the interceptors, then PartitionRecords) without a producer.
func e2eRunDirect(b *testing.B, target, name string, c e2eChain, topic string) {
	src := e2eBenchMessages()
	workers := goruntime.GOMAXPROCS(0)
	type scratch struct {
		msgs []kafka.Message
		errs []error
		out  []int32
	}
	bufs := make([]scratch, workers)
	run := func(n int) {
		e2eWorkers(n, func(w, start, end int) {
			s := &bufs[w]
			s.msgs = s.msgs[:0]
			for i := start; i < end; i++ {
				s.msgs = append(s.msgs, src[i%len(src)])
			}
			s.errs = append(s.errs[:0], make([]error, len(s.msgs))...)
			s.out = append(s.out[:0], make([]int32, len(s.msgs))...)
			for _, ic := range c.ics {
				ic.Intercept(topic, s.msgs, s.errs)
			}
			c.part.PartitionRecords(topic, s.msgs, 6, s.out, s.errs)
			for i, err := range s.errs {
				if err != nil {
					b.Errorf("record %d: %v", start+i, err)
					return
				}
			}
		})
	}
	run(4 * e2eBenchBatch * workers) // warm up: instances, buffers
	b.ResetTimer()
	start := time.Now()
	run(b.N)
	e2eReport(b, target, name, time.Since(start))
}

// e2eRunProducer sends b.N records through the producer, e2eBenchBatch per
// SendAsync, from GOMAXPROCS goroutines with up to 32 calls outstanding
// each, and waits for every acknowledgement.
func e2eRunProducer(b *testing.B, target, name string, prod *kafka.Producer, topic string) {
	send := e2eSender(b, prod, topic)
	send(8 * e2eBenchBatch) // warm up: metadata, connections, instances
	b.ResetTimer()
	e2eReport(b, target, name, send(b.N))
}

// e2eSender returns a function that sends n records through prod as
// e2eRunProducer describes and returns how long it took; a failed Send
// fails b.
func e2eSender(b *testing.B, prod *kafka.Producer, topic string) func(n int) time.Duration {
	src := e2eBenchMessages()
	ctx := context.Background()
	return func(n int) time.Duration {
		var failed atomic.Int64
		var firstErr atomic.Value
		check := func(pd *kafka.Pending) {
			res, err := pd.Wait(ctx)
			if err == nil {
				return
			}
			failed.Add(1)
			for _, r := range res {
				if r.Err != nil {
					firstErr.CompareAndSwap(nil, r.Err)
				}
			}
		}
		start := time.Now()
		windows := make([][]*kafka.Pending, goruntime.GOMAXPROCS(0))
		e2eWorkers(n, func(w, start, end int) {
			msgs := make([]kafka.Message, 0, end-start)
			for i := start; i < end; i++ {
				msgs = append(msgs, src[i%len(src)])
			}
			win := append(windows[w], prod.SendAsync(topic, msgs...))
			if len(win) > 32 {
				check(win[0])
				win = win[1:]
			}
			windows[w] = win
		})
		for _, win := range windows {
			for _, pd := range win {
				check(pd)
			}
		}
		took := time.Since(start)
		if failed.Load() > 0 {
			b.Fatalf("%d Send calls failed; first error: %v", failed.Load(), firstErr.Load())
		}
		return took
	}
}

// BenchmarkChainRatio/<target>: the chains of BenchmarkChain
// interleaved on one broker, so that the broker's warm-up and the
// machine's other load fall on all of them alike: after a warm-up of every
// chain, e2eRatioRounds rounds each send b.N/e2eRatioRounds records through
// each chain, in an order that rotates from round to round. One op is one
// record of each chain. Reported: records/s of each chain over all rounds,
// x-native-go and x-native-as (the Wasm chains' rates over the native
// chain's), and the lowest and highest per-round ratio of each.
func BenchmarkChainRatio(b *testing.B) {
	chains := append([]string{"native"}, e2eWasmChains...)
	for _, target := range e2eBenchTargets() {
		b.Run(target, func(b *testing.B) {
			brokers, topic := e2eBenchTopic(b, target, "e2e-ratio")
			senders := make([]func(int) time.Duration, len(chains))
			for i, name := range chains {
				c := e2eChains(b, name, topic)
				senders[i] = e2eSender(b, e2eProducerWith(b, brokers, c.part, c.ics...), topic)
			}
			for _, send := range senders { // warm up: the broker, connections, instances
				send(16 * e2eBenchBatch)
			}
			per := max(b.N/e2eRatioRounds, e2eBenchBatch)
			total := make([]time.Duration, len(chains))
			lo := make([]float64, len(chains))
			hi := make([]float64, len(chains))
			b.ResetTimer()
			for r := range e2eRatioRounds {
				took := make([]time.Duration, len(chains))
				for k := range chains {
					i := (r + k) % len(chains)
					took[i] = senders[i](per)
					total[i] += took[i]
				}
				for i := 1; i < len(chains); i++ {
					x := took[0].Seconds() / took[i].Seconds()
					if r == 0 || x < lo[i] {
						lo[i] = x
					}
					hi[i] = max(hi[i], x)
				}
			}
			b.StopTimer()
			n := float64(per * e2eRatioRounds)
			for i, name := range chains {
				b.ReportMetric(n/total[i].Seconds(), "records/s-"+name)
				if i > 0 {
					lang := name[len("wasm-"):]
					b.ReportMetric(total[0].Seconds()/total[i].Seconds(), "x-native-"+lang)
					b.ReportMetric(lo[i], "min-x-"+lang)
					b.ReportMetric(hi[i], "max-x-"+lang)
				}
			}
		})
	}
}

// e2eRatioRounds is the number of interleaved rounds of BenchmarkChainRatio.
const e2eRatioRounds = 6

// ---------------------------------------------------------------------------
// The native chain: the same logic as the plugins, in Go, through the same
// kafka interfaces.

func e2eNativeChain() e2eChain {
	return e2eChain{
		part: &e2eNativeRegion{header: "region", regions: [][]byte{[]byte("eu"), []byte("us"), []byte("ap")}},
		ics: []kafka.Interceptor{
			&e2eNativeCodec{required: []string{"id", "total"}, types: map[string]string{
				"id": "string", "total": "number", "qty": "integer", "region": "string",
				"tags": "array", "paid": "boolean", "meta": "object"}},
			&e2eNativeEnricher{host: []byte(e2eHostTrace), trace: true},
			&e2eNativeEnricher{host: []byte(e2eHostAudit), trace: true, hash: true},
		},
	}
}

// e2eNativeRegion is region-partitioner routing by header.
type e2eNativeRegion struct {
	header  string
	regions [][]byte
}

func (p *e2eNativeRegion) Partition(topic string, key, value []byte, n int) int {
	return kafka.Murmur2Partitioner.Partition(topic, key, value, n)
}

func (p *e2eNativeRegion) PartitionRecords(topic string, msgs []kafka.Message, n int, out []int32, errs []error) {
	for i := range msgs {
		m := &msgs[i]
		switch {
		case errs[i] != nil:
			out[i] = -1
			continue
		case m.Partition != nil:
			out[i] = *m.Partition
			continue
		}
		region := -1
		for _, h := range m.Headers {
			if h.Key == p.header {
				if h.Value != nil {
					for r, name := range p.regions {
						if bytes.Equal(h.Value, name) {
							region = r
							break
						}
					}
				}
				break
			}
		}
		if region < 0 {
			out[i] = int32(kafka.Murmur2Partitioner.Partition(topic, m.Key, m.Value, n))
			continue
		}
		lo, hi := region*n/len(p.regions), (region+1)*n/len(p.regions)
		switch {
		case hi <= lo:
			out[i], errs[i] = -1, fmt.Errorf("region %q has no partitions", p.regions[region])
		case m.Key == nil:
			out[i] = int32(lo)
		default:
			out[i] = int32(lo + int(uint32(kafka.Murmur2(m.Key))&0x7fffffff)%(hi-lo))
		}
	}
}

// e2eNativeCodec is json-codec's encode: kwjson (the parser the Go plugin
// uses), the schema checks, the wire format.
type e2eNativeCodec struct {
	required []string
	types    map[string]string
	pool     sync.Pool // *e2eNativeEncoder
}

type e2eNativeEncoder struct {
	doc       kwjson.Doc
	nodes     []kwjson.TapeNode
	strs, src []byte
}

func (c *e2eNativeCodec) Intercept(_ string, msgs []kafka.Message, errs []error) {
	e, _ := c.pool.Get().(*e2eNativeEncoder)
	if e == nil {
		e = &e2eNativeEncoder{}
	}
	defer c.pool.Put(e)
	var out []byte // one buffer per call, as the Wasm adapter copies one output per chunk
	type span struct{ i, from, to int }
	var spans []span
	for i := range msgs {
		if errs[i] != nil || msgs[i].Value == nil {
			continue
		}
		from := len(out)
		var err error
		if out, err = c.encode(e, out, msgs[i].Value); err != nil {
			errs[i] = err
			out = out[:from]
			continue
		}
		spans = append(spans, span{i, from, len(out)})
	}
	for _, s := range spans {
		msgs[s.i].Value = out[s.from:s.to:s.to]
	}
}

// encode parses with kwjson and puts members in key order with
// SortMembers (what the plugins get from the host's json_scan with
// ScanSortKeys), then checks and writes the wire form walking the tape by
// index, as the plugins do.
func (c *e2eNativeCodec) encode(e *e2eNativeEncoder, out, in []byte) ([]byte, error) {
	if err := e.doc.Parse(in); err != nil {
		return out, errors.New("invalid JSON: " + err.Error())
	}
	e.doc.SortMembers()
	root := e.doc.Root()
	if root.Kind() != kwjson.Object {
		return out, errors.New("value must be a JSON object, got " + root.Kind().Name())
	}
	e.nodes, e.strs, e.src = e.doc.TapeNodes(), e.doc.StringArea(), e.doc.Source()
	for _, name := range c.required {
		if !root.Get(name).Exists() {
			return out, errors.New("missing required field " + kwjson.Quote(name))
		}
	}
	if err := e.duplicateAt(0); err != nil {
		return out, err
	}
	k := int32(1)
	for range e.nodes[0].N {
		key, v := e.str(k), &e.nodes[k+1]
		if t, ok := c.types[string(key)]; ok && !e.matches(t, v) {
			return out, fmt.Errorf("field %s: expected %s, got %s", kwjson.Quote(string(key)), t, v.Kind.Name())
		}
		k = v.End
	}
	out = append(out, 1)
	out, _, err := e.node(out, 0, true)
	return out, err
}

func (e *e2eNativeEncoder) str(i int32) []byte {
	nd := &e.nodes[i]
	return e.strs[nd.Off : nd.Off+nd.N]
}

// duplicateAt: the first duplicate key of the object at node i (sorted
// keys: duplicates are adjacent).
func (e *e2eNativeEncoder) duplicateAt(i int32) error {
	k := i + 1
	for j := int32(1); j < e.nodes[i].N; j++ {
		next := e.nodes[k+1].End
		if bytes.Equal(e.str(k), e.str(next)) {
			return errors.New("duplicate key " + kwjson.Quote(string(e.str(next))))
		}
		k = next
	}
	return nil
}

func (e *e2eNativeEncoder) matches(t string, v *kwjson.TapeNode) bool {
	switch k := v.Kind; t {
	case "string":
		return k == kwjson.String
	case "number":
		return k == kwjson.Number
	case "integer":
		return k == kwjson.Number && !bytes.ContainsAny(e.src[v.Off:v.Off+v.N], ".eE")
	case "boolean":
		return k == kwjson.True || k == kwjson.False
	case "object":
		return k == kwjson.Object
	case "array":
		return k == kwjson.Array
	case "null":
		return k == kwjson.Null
	}
	return true
}

// node appends the wire form of node i and returns the index after it.
func (e *e2eNativeEncoder) node(out []byte, i int32, checked bool) ([]byte, int32, error) {
	nd := &e.nodes[i]
	var err error
	switch nd.Kind {
	case kwjson.Null:
		out = append(out, 0)
	case kwjson.False:
		out = append(out, 1)
	case kwjson.True:
		out = append(out, 2)
	case kwjson.Number:
		lit := e.src[nd.Off : nd.Off+nd.N]
		if n, ok := e2eParseInt64(lit); ok {
			out = e2eUvarint(append(out, 3), uint64(n<<1)^uint64(n>>63))
		} else {
			out = append(e2eUvarint(append(out, 4), uint64(len(lit))), lit...)
		}
	case kwjson.String:
		out = append(e2eUvarint(append(out, 5), uint64(nd.N)), e.str(i)...)
	case kwjson.Array:
		out = e2eUvarint(append(out, 6), uint64(nd.N))
		k := i + 1
		for range nd.N {
			if out, k, err = e.node(out, k, false); err != nil {
				return out, 0, err
			}
		}
	case kwjson.Object:
		if !checked {
			if err := e.duplicateAt(i); err != nil {
				return out, 0, err
			}
		}
		out = e2eUvarint(append(out, 7), uint64(nd.N))
		k := i + 1
		for range nd.N {
			key := e.str(k)
			out = append(e2eUvarint(out, uint64(len(key))), key...)
			if out, k, err = e.node(out, k+1, false); err != nil {
				return out, 0, err
			}
		}
	}
	return out, nd.End, nil
}

func e2eParseInt64(lit []byte) (int64, bool) {
	if bytes.ContainsAny(lit, ".eE") {
		return 0, false
	}
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range digits {
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true
	case !neg && u <= 1<<63-1:
		return int64(u), true
	}
	return 0, false
}

func e2eUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// e2eNativeEnricher is header-enricher: trace-id (random bytes fetched 1 KiB
// at a time), host, content-sha256.
type e2eNativeEnricher struct {
	host        []byte
	trace, hash bool
}

func (en *e2eNativeEnricher) Intercept(_ string, msgs []kafka.Message, errs []error) {
	var pool [1024]byte
	pos := len(pool)
	for i := range msgs {
		if errs[i] != nil {
			continue
		}
		m := &msgs[i]
		old := m.Headers
		h := make([]kafka.Header, len(old), len(old)+3)
		copy(h, old)
		if en.trace && !slices.ContainsFunc(old, func(h kafka.Header) bool { return h.Key == "trace-id" }) {
			if pos+16 > len(pool) {
				rand.Read(pool[:])
				pos = 0
			}
			h = append(h, kafka.Header{Key: "trace-id", Value: hex.AppendEncode(make([]byte, 0, 32), pool[pos:pos+16])})
			pos += 16
		}
		if en.host != nil {
			h = append(h, kafka.Header{Key: "host", Value: en.host})
		}
		if en.hash && m.Value != nil {
			sum := sha256.Sum256(m.Value)
			h = append(h, kafka.Header{Key: "content-sha256", Value: hex.AppendEncode(make([]byte, 0, 64), sum[:])})
		}
		m.Headers = h
	}
}

// The native chain must produce what the Wasm chain produces (trace ids
// aside): checked on the benchmark's records so that the comparison is
// between equals.
func TestE2ENativeChainMatchesWasm(t *testing.T) {
	src := e2eBenchMessages()
	native := e2eNativeChain()
	for _, name := range e2eWasmChains {
		file := e2eChainFile(name)
		t.Run(file, func(t *testing.T) {
			cfg, base := e2eConfig(t, file, nil)
			pl := e2eBuild(t, cfg, base)
			run := func(part kafka.RecordPartitioner, ics []kafka.Interceptor) ([]kafka.Message, []int32, []error) {
				msgs := slices.Clone(src)
				errs := make([]error, len(msgs))
				out := make([]int32, len(msgs))
				for _, ic := range ics {
					ic.Intercept("orders", msgs, errs)
				}
				part.PartitionRecords("orders", msgs, 6, out, errs)
				return msgs, out, errs
			}
			wm, wp, we := run(pl.Partitioner(), []kafka.Interceptor{pl.Interceptor()})
			nm, np, ne := run(native.part, native.ics)
			for i := range src {
				if we[i] != nil || ne[i] != nil {
					t.Fatalf("record %d: wasm %v, native %v", i, we[i], ne[i])
				}
				// Keyless records without a region go to the sticky partitioner.
				if wp[i] != np[i] || !bytes.Equal(wm[i].Value, nm[i].Value) || (wm[i].Value == nil) != (nm[i].Value == nil) {
					t.Fatalf("record %d: wasm %d %x, native %d %x", i, wp[i], wm[i].Value, np[i], nm[i].Value)
				}
				if len(wm[i].Headers) != len(nm[i].Headers) {
					t.Fatalf("record %d: headers wasm %v, native %v", i, wm[i].Headers, nm[i].Headers)
				}
				for j, h := range wm[i].Headers {
					if n := nm[i].Headers[j]; h.Key != n.Key || (h.Key != "trace-id" && !bytes.Equal(h.Value, n.Value)) {
						t.Fatalf("record %d header %d: wasm %s=%q, native %s=%q", i, j, h.Key, h.Value, n.Key, n.Value)
					}
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Load

func BenchmarkPluginLoad(b *testing.B) {
	for _, chain := range e2eWasmChains {
		lang := struct{ name, file string }{strings.TrimPrefix(chain, "wasm-"), e2eChainFile(chain)}
		for _, warm := range []bool{false, true} {
			mode := "cold"
			if warm {
				mode = "warm"
			}
			b.Run(lang.name+"/"+mode, func(b *testing.B) {
				cfg, base := e2eConfig(b, lang.file, nil)
				pc, err := cfg.PluginConfig("region", base)
				if err != nil {
					b.Fatal(err)
				}
				pc.Logger = e2eQuiet()
				load := func(dir string) (time.Duration, func()) {
					start := time.Now()
					rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: dir, Logger: e2eQuiet()})
					if err != nil {
						b.Fatal(err)
					}
					p, err := rt.Load(context.Background(), pc)
					if err != nil {
						b.Fatal(err)
					}
					d := time.Since(start)
					return d, func() {
						p.Close(context.Background())
						rt.Close(context.Background())
					}
				}
				dir := b.TempDir()
				if warm {
					_, done := load(dir)
					done()
				}
				var total time.Duration
				least := time.Duration(1<<63 - 1)
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					d := dir
					if !warm {
						var err error
						if d, err = os.MkdirTemp(dir, "cold-"); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					took, done := load(d)
					b.StopTimer()
					total += took
					least = min(least, took)
					done()
					if !warm {
						os.RemoveAll(d)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/load")
				b.ReportMetric(float64(least.Microseconds())/1000, "min-ms/load")
			})
		}
	}
}

// BenchmarkChainStages/<stage>/<impl>: each stage of the chain alone, one
// goroutine, calls of e2eBenchBatch records (one op is one record): the
// region partitioner, the codec's encode and the two enrichers, as native
// Go, the Go, AssemblyScript, C and Rust builds (with the time bound of
// chain-*.toml: instrumented, 2 s). The partitioner and the enrichers see
// encoded values, as in the chain.
func BenchmarkChainStages(b *testing.B) {
	native := e2eNativeChain()
	stages := []struct {
		name   string
		plugin string // in chain-*.toml
		native func(msgs []kafka.Message, errs []error)
	}{
		{"partitioner", "region", func(msgs []kafka.Message, errs []error) {
			native.part.PartitionRecords("orders", msgs, 6, make([]int32, len(msgs)), errs)
		}},
		{"codec", "orders-codec", func(msgs []kafka.Message, errs []error) { native.ics[0].Intercept("orders", msgs, errs) }},
		{"enricher-trace", "trace", func(msgs []kafka.Message, errs []error) { native.ics[1].Intercept("orders", msgs, errs) }},
		{"enricher-audit", "audit", func(msgs []kafka.Message, errs []error) { native.ics[2].Intercept("orders", msgs, errs) }},
	}
	src := e2eBenchMessages()
	encoded := slices.Clone(src)
	native.ics[0].Intercept("orders", encoded, make([]error, len(encoded)))
	for _, st := range stages {
		for _, impl := range append([]string{"native"}, e2eWasmChains...) {
			b.Run(st.name+"/"+impl, func(b *testing.B) {
				run := st.native
				if impl != "native" {
					cfg, base := e2eConfig(b, e2eChainFile(impl), nil)
					pc, err := cfg.PluginConfig(st.plugin, base)
					if err != nil {
						b.Fatal(err)
					}
					pc.Logger = e2eQuiet()
					p, err := e2eRuntime(b).Load(context.Background(), pc)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { p.Close(context.Background()) })
					if st.plugin == "region" {
						part := p.Partitioner()
						run = func(msgs []kafka.Message, errs []error) {
							part.PartitionRecords("orders", msgs, 6, make([]int32, len(msgs)), errs)
						}
					} else {
						ic := p.Interceptor()
						run = func(msgs []kafka.Message, errs []error) { ic.Intercept("orders", msgs, errs) }
					}
				}
				in := encoded
				if st.plugin == "orders-codec" {
					in = src
				}
				msgs := make([]kafka.Message, e2eBenchBatch)
				errs := make([]error, e2eBenchBatch)
				call := func(off int) {
					for j := range msgs {
						msgs[j] = in[(off+j)%len(in)]
					}
					clear(errs)
					run(msgs, errs)
					for _, err := range errs {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				call(0) // warm up
				b.ResetTimer()
				for off := 0; off < b.N; off += e2eBenchBatch {
					call(off)
				}
			})
		}
	}
}
