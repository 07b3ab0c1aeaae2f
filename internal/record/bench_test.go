package record_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

// benchRecords returns n realistic records: a short key, a JSON value of
// about 100 bytes and one header, which fill about 16 KiB (the Java
// producer's default batch.size) when n is 110.
func benchRecords(n int) []testRecord {
	r := rand.New(rand.NewPCG(3, 4))
	events := []string{"page_view", "add_to_cart", "checkout", "login", "search"}
	recs := make([]testRecord, n)
	for i := range recs {
		recs[i] = testRecord{
			ts:  1700000000000 + int64(i),
			key: fmt.Appendf(nil, "user-%05d", r.IntN(20000)),
			value: fmt.Appendf(nil, `{"event":"%s","path":"/products/%d","session":"%016x","latency_ms":%d}`,
				events[r.IntN(len(events))], r.IntN(5000), r.Uint64(), r.IntN(500)),
			headers: []record.Header{{Key: "trace-id", Value: fmt.Appendf(nil, "%016x", r.Uint64())}},
		}
	}
	return recs
}

func BenchmarkAppend(b *testing.B) {
	recs := benchRecords(110)
	var bld record.Builder
	b.ReportAllocs()
	for b.Loop() {
		bld.Reset(1700000000000)
		for _, r := range recs {
			bld.Append(r.ts, r.key, r.value, r.headers)
		}
	}
	b.SetBytes(int64(bld.Size()))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}

func BenchmarkFinish(b *testing.B) {
	recs := benchRecords(110)
	var bld record.Builder
	bld.Reset(1700000000000)
	for _, r := range recs {
		bld.Append(r.ts, r.key, r.value, r.headers)
	}
	for _, c := range allCodecs {
		b.Run(c.name, func(b *testing.B) {
			opts := record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
			dst := make([]byte, 0, 64<<10)
			b.SetBytes(int64(bld.Size()))
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				var err error
				if out, err = bld.Finish(dst[:0], opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(out)), "batch-bytes")
		})
	}
}

func BenchmarkDecodeBatches(b *testing.B) {
	recs := benchRecords(110)
	for _, c := range allCodecs {
		b.Run(c.name, func(b *testing.B) {
			batch := build(b, 1700000000000, recs, record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := record.DecodeBatches(batch, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
