package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestSmokeKfake(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 3, kfake.SeedTopics(6, "smoke"))
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: addrs})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, comp := range []kafka.Compression{kafka.CompressionNone, kafka.CompressionGzip, kafka.CompressionSnappy, kafka.CompressionLZ4, kafka.CompressionZstd} {
		t.Run(comp.String(), func(t *testing.T) {
			p, err := cl.Producer(kafka.ProducerConfig{Compression: comp})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var msgs []kafka.Message
			for i := 0; i < 1000; i++ {
				msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("k", i)), Value: []byte(fmt.Sprint("v", i)), Headers: []kafka.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}}})
			}
			res, err := p.Send(ctx, "smoke", msgs...)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1000 {
				t.Fatalf("got %d results", len(res))
			}
			if err := p.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
	recs := testkafka.ReadAll(t, addrs, "smoke", 5000, 20*time.Second)
	if len(recs) != 5000 {
		t.Fatalf("read %d", len(recs))
	}
}
