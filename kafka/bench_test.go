package kafka_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The produce-path benchmarks produce b.N records of 100 bytes (keyless,
// 6 partitions, acks=all, linger 5ms, 16 KiB batches, no compression) with
// kafkawasm and with franz-go (idempotence off on both sides, so the work
// is the same) in the same run. Compare records/s as a ratio:
//
//	go test -run '^$' -bench 'Produce' -benchmem ./kafka/
//
// With KAFKA_BOOTSTRAP set, the real-broker variants run too.

const benchValueSize = 100

func benchTargets(b *testing.B) map[string][]string {
	out := map[string][]string{}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, "bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	out["kfake"] = c.ListenAddrs()
	if bs := os.Getenv(testkafka.EnvBootstrap); bs != "" {
		out["kafka"] = strings.Split(bs, ",")
	}
	return out
}

func benchTopic(b *testing.B, target string, brokers []string) string {
	if target == "kfake" {
		return "bench"
	}
	topic := testkafka.TopicName(b, "bench")
	testkafka.CreateTopic(b, brokers, topic, 6, nil)
	return topic
}

func BenchmarkProduce(b *testing.B) {
	value := []byte(strings.Repeat("x", benchValueSize))
	for target, brokers := range benchTargets(b) {
		b.Run(target+"/kafkawasm", func(b *testing.B) {
			topic := benchTopic(b, target, brokers)
			cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: brokers})
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			p, err := cl.Producer(kafka.ProducerConfig{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			// Warm up metadata and connections.
			if _, err := p.Send(ctx, topic, kafka.Message{Value: value}); err != nil {
				b.Fatal(err)
			}
			const chunk = 100
			msgs := make([]kafka.Message, chunk)
			for i := range msgs {
				msgs[i] = kafka.Message{Value: value}
			}
			b.ReportAllocs()
			b.SetBytes(benchValueSize)
			b.ResetTimer()
			start := time.Now()
			var pendings []*kafka.Pending
			for sent := 0; sent < b.N; sent += chunk {
				n := min(chunk, b.N-sent)
				pendings = append(pendings, p.SendAsync(topic, msgs[:n]...))
			}
			if err := p.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			for _, pd := range pendings {
				if _, err := pd.Wait(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			b.StopTimer()
			p.Close(ctx)
		})
		b.Run(target+"/franz-go", func(b *testing.B) {
			topic := benchTopic(b, target, brokers)
			cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DisableIdempotentWrite(),
				kgo.ProducerLinger(5*time.Millisecond), kgo.ProducerBatchMaxBytes(16384),
				kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()),
				kgo.MaxBufferedRecords(100000))
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			ctx := context.Background()
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: value}).FirstErr(); err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			var firstErr error
			var mu sync.Mutex
			b.ReportAllocs()
			b.SetBytes(benchValueSize)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				wg.Add(1)
				cl.Produce(ctx, &kgo.Record{Topic: topic, Value: value}, func(_ *kgo.Record, err error) {
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
					wg.Done()
				})
			}
			if err := cl.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			wg.Wait()
			if firstErr != nil {
				b.Fatal(firstErr)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// BenchmarkProduceModes compares plain, idempotent and transactional
// producing (transactions of 1,000 records) with franz-go doing the same in
// the same run.
func BenchmarkProduceModes(b *testing.B) {
	value := []byte(strings.Repeat("x", benchValueSize))
	const txnSize = 1000
	for target, brokers := range benchTargets(b) {
		for _, mode := range []string{"plain", "idempotent", "transactional"} {
			b.Run(target+"/"+mode+"/kafkawasm", func(b *testing.B) {
				topic := benchTopic(b, target, brokers)
				cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: brokers})
				if err != nil {
					b.Fatal(err)
				}
				defer cl.Close()
				cfg := kafka.ProducerConfig{}
				switch mode {
				case "idempotent":
					cfg.Idempotent = true
				case "transactional":
					cfg.TransactionalID = "bench-" + topic + "-" + b.Name()
				}
				p, err := cl.Producer(cfg)
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				msgs := make([]kafka.Message, 100)
				for i := range msgs {
					msgs[i] = kafka.Message{Value: value}
				}
				b.ReportAllocs()
				b.SetBytes(benchValueSize)
				b.ResetTimer()
				start := time.Now()
				for sent := 0; sent < b.N; {
					n := min(txnSize, b.N-sent)
					// Queue n records, then flush (the commit flushes in a
					// transaction), as the franz-go side does.
					var pds []*kafka.Pending
					produce := func(send func(...kafka.Message) *kafka.Pending) {
						for i := 0; i < n; i += len(msgs) {
							pds = append(pds, send(msgs[:min(len(msgs), n-i)]...))
						}
					}
					var err error
					if mode == "transactional" {
						err = p.Transaction(ctx, func(tx *kafka.Txn) error {
							produce(func(m ...kafka.Message) *kafka.Pending { return tx.SendAsync(topic, m...) })
							return nil
						})
					} else {
						produce(func(m ...kafka.Message) *kafka.Pending { return p.SendAsync(topic, m...) })
						err = p.Flush(ctx)
					}
					if err != nil {
						b.Fatal(err)
					}
					for _, pd := range pds {
						if _, err := pd.Wait(ctx); err != nil {
							b.Fatal(err)
						}
					}
					sent += n
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
				b.StopTimer()
				p.Close(ctx)
			})
			b.Run(target+"/"+mode+"/franz-go", func(b *testing.B) {
				topic := benchTopic(b, target, brokers)
				opts := []kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ProducerLinger(5 * time.Millisecond),
					kgo.ProducerBatchMaxBytes(16384), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression())}
				switch mode {
				case "plain":
					opts = append(opts, kgo.DisableIdempotentWrite())
				case "transactional":
					opts = append(opts, kgo.TransactionalID("bench-franz-"+topic+"-"+b.Name()))
				}
				cl, err := kgo.NewClient(opts...)
				if err != nil {
					b.Fatal(err)
				}
				defer cl.Close()
				ctx := context.Background()
				b.ReportAllocs()
				b.SetBytes(benchValueSize)
				b.ResetTimer()
				start := time.Now()
				for sent := 0; sent < b.N; {
					n := min(txnSize, b.N-sent)
					if mode == "transactional" {
						if err := cl.BeginTransaction(); err != nil {
							b.Fatal(err)
						}
					}
					var wg sync.WaitGroup
					var firstErr error
					var mu sync.Mutex
					for i := 0; i < n; i++ {
						wg.Add(1)
						cl.Produce(ctx, &kgo.Record{Topic: topic, Value: value}, func(_ *kgo.Record, err error) {
							if err != nil {
								mu.Lock()
								firstErr = err
								mu.Unlock()
							}
							wg.Done()
						})
					}
					if err := cl.Flush(ctx); err != nil {
						b.Fatal(err)
					}
					if mode == "transactional" {
						if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
							b.Fatal(err)
						}
					}
					wg.Wait()
					if firstErr != nil {
						b.Fatal(firstErr)
					}
					sent += n
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			})
		}
	}
}
