package kafka_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// These tests run against the real Apache Kafka broker that .ci/run starts
// (KAFKA_BOOTSTRAP); outside CI they skip when it is unset.

const realRecords = 100000

func realMessage(i int, base time.Time) kafka.Message {
	m := kafka.Message{
		Value:     append([]byte(fmt.Sprintf("value-%06d-", i)), byte(i), 0x00, 0xff, byte(i>>8)),
		Timestamp: base.Add(time.Duration(i) * time.Millisecond),
		Headers: []kafka.Header{
			{Key: "seq", Value: []byte(fmt.Sprint(i))},
			{Key: "dup", Value: []byte("first")},
			{Key: "dup", Value: []byte("second")},
		},
	}
	if i%10 != 0 { // every tenth record is keyless (sticky)
		m.Key = []byte(fmt.Sprintf("key-%d", i%997))
	}
	return m
}

func TestRealBrokerCodecsReadBack(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: brokers, ClientID: "kafkawasm-it"})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	base := time.UnixMilli(time.Now().Add(-time.Hour).UnixMilli())
	for _, comp := range []kafka.Compression{kafka.CompressionNone, kafka.CompressionGzip, kafka.CompressionSnappy, kafka.CompressionLZ4, kafka.CompressionZstd} {
		t.Run(comp.String(), func(t *testing.T) {
			topic := testkafka.TopicName(t, "codec-"+comp.String())
			testkafka.CreateTopic(t, brokers, topic, 6, nil)
			p, err := cl.Producer(kafka.ProducerConfig{Compression: comp, Linger: 10 * time.Millisecond, MaxBatchBytes: 64 << 10})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			msgs := make([]kafka.Message, realRecords)
			for i := range msgs {
				msgs[i] = realMessage(i, base)
			}
			// Send in chunks from several goroutines' worth of calls, as a
			// service would, then wait for all.
			var pendings []*kafka.Pending
			for i := 0; i < len(msgs); i += 1000 {
				pendings = append(pendings, p.SendAsync(topic, msgs[i:i+1000]...))
			}
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			want := make(map[[2]int64]int, realRecords) // (partition, offset) -> i
			perPart := map[int32]int{}
			for c, pd := range pendings {
				res, err := pd.Wait(ctx)
				if err != nil {
					t.Fatalf("chunk %d: %v", c, err)
				}
				for j, r := range res {
					i := c*1000 + j
					if r.Topic != topic || r.Offset < 0 {
						t.Fatalf("record %d: bad result %+v", i, r)
					}
					if k := msgs[i].Key; k != nil {
						if wantP := int32(uint32(kafka.Murmur2(k))&0x7fffffff) % 6; r.Partition != wantP {
							t.Fatalf("record %d key %q: partition %d, murmur2 says %d", i, k, r.Partition, wantP)
						}
					}
					if !r.Timestamp.Equal(msgs[i].Timestamp) {
						t.Fatalf("record %d: result timestamp %v, want %v", i, r.Timestamp, msgs[i].Timestamp)
					}
					want[[2]int64{int64(r.Partition), r.Offset}] = i
					perPart[r.Partition]++
				}
			}
			if len(want) != realRecords {
				t.Fatalf("%d distinct (partition, offset) pairs for %d records", len(want), realRecords)
			}
			// Offsets on a fresh topic are dense from 0 in each partition.
			for part, n := range perPart {
				for off := 0; off < n; off++ {
					if _, ok := want[[2]int64{int64(part), int64(off)}]; !ok {
						t.Fatalf("partition %d: offset %d missing from results", part, off)
					}
				}
			}
			if err := p.Close(ctx); err != nil {
				t.Fatal(err)
			}
			check := func(reader string, recs []testkafka.Record) {
				t.Helper()
				if len(recs) != realRecords {
					t.Fatalf("%s read %d records, want %d", reader, len(recs), realRecords)
				}
				for _, r := range recs {
					i, ok := want[[2]int64{int64(r.Partition), r.Offset}]
					if !ok {
						t.Fatalf("%s: unexpected record %v", reader, r)
					}
					m := msgs[i]
					if !bytes.Equal(r.Key, m.Key) || (r.Key == nil) != (m.Key == nil) || !bytes.Equal(r.Value, m.Value) {
						t.Fatalf("%s: record %d differs: got %v", reader, i, r)
					}
					if r.Timestamp.UnixMilli() != m.Timestamp.UnixMilli() {
						t.Fatalf("%s: record %d timestamp %d, want %d", reader, i, r.Timestamp.UnixMilli(), m.Timestamp.UnixMilli())
					}
					if len(r.Headers) != len(m.Headers) {
						t.Fatalf("%s: record %d has %d headers, want %d", reader, i, len(r.Headers), len(m.Headers))
					}
					for h := range m.Headers {
						if r.Headers[h].Key != m.Headers[h].Key || !bytes.Equal(r.Headers[h].Value, m.Headers[h].Value) {
							t.Fatalf("%s: record %d header %d = %s:%q, want %s:%q", reader, i, h, r.Headers[h].Key, r.Headers[h].Value, m.Headers[h].Key, m.Headers[h].Value)
						}
					}
					if reader == "franz-go" && r.Compression != comp.String() {
						t.Fatalf("%s: record %d in a %q batch, want %q", reader, i, r.Compression, comp)
					}
				}
			}
			check("franz-go", testkafka.ReadAll(t, brokers, topic, realRecords, 2*time.Minute))
			check("kcat", testkafka.ReadAllKcat(t, brokers[0], topic, realRecords))
		})
	}
}

func TestRealBrokerLogAppendTimeAndAcks(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	lat := "LogAppendTime"
	topic := testkafka.TopicName(t, "logappend")
	testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"message.timestamp.type": &lat})
	p, err := cl.Producer(kafka.ProducerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.UnixMilli(1_000_000_000_000)
	before := time.Now().Add(-time.Second)
	res, err := p.Send(ctx, topic, kafka.Message{Value: []byte("x"), Timestamp: old})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Timestamp.Equal(old) || res[0].Timestamp.Before(before) {
		t.Fatalf("result timestamp %v: want the broker's append time, not the create time %v", res[0].Timestamp, old)
	}
	got := testkafka.ReadAll(t, brokers, topic, 1, time.Minute)
	if got[0].TimestampType != 1 || got[0].Timestamp.UnixMilli() != res[0].Timestamp.UnixMilli() {
		t.Fatalf("read back %v (type %d), result said %v", got[0].Timestamp, got[0].TimestampType, res[0].Timestamp)
	}
	p.Close(ctx)

	// acks=leader first; then acks=none into the same, now warm, topic: a
	// broker answers nothing to acks=0, and closes the connection on an
	// error instead (as for a partition that is still loading), so a cold
	// topic could lose records by design.
	topic = testkafka.TopicName(t, "acks")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)
	total := 0
	for _, acks := range []kafka.Acks{kafka.AcksLeader, kafka.AcksNone} {
		p, err := cl.Producer(kafka.ProducerConfig{Acks: acks})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []kafka.Message
		for i := 0; i < 300; i++ {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint(acks, i))})
		}
		res, err := p.Send(ctx, topic, msgs...)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if acks == kafka.AcksNone && r.Offset != -1 {
				t.Fatalf("acks=none: offset %d, want -1", r.Offset)
			}
			if acks == kafka.AcksLeader && r.Offset < 0 {
				t.Fatalf("acks=leader: offset %d", r.Offset)
			}
		}
		p.Close(ctx)
		total += 300
		if n := len(testkafka.ReadAll(t, brokers, topic, total, time.Minute)); n != total {
			t.Fatalf("acks=%v: read %d records, want %d", acks, n, total)
		}
	}
}
