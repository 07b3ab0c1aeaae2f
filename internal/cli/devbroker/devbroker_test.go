package devbroker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
)

func TestDevBroker(t *testing.T) {
	b, err := Start(Options{Partitions: 4, Topics: []string{"seeded"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.HasPrefix(b.String(), "127.0.0.1:") {
		t.Fatalf("address %s", b)
	}
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: b.Addrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	p, err := cl.Producer(kafka.ProducerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, topic := range []string{"seeded", "created-on-first-use"} {
		res, err := p.Send(ctx, topic, kafka.Message{Value: []byte("v"), Partition: new(int32(3))})
		if err != nil || res[0].Partition != 3 {
			t.Fatalf("%s: %v %+v", topic, err, res)
		}
	}
	p.Close(ctx)
	if got := testkafka.ReadAll(t, b.Addrs(), "created-on-first-use", 1, 10*time.Second); len(got) != 1 {
		t.Fatalf("read %d", len(got))
	}
}

func TestNoAutoCreate(t *testing.T) {
	b, err := Start(Options{NoAutoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl, _ := kafka.NewClient(kafka.ClientConfig{Brokers: b.Addrs()})
	defer cl.Close()
	p, _ := cl.Producer(kafka.ProducerConfig{DeliveryTimeout: 300 * time.Millisecond})
	defer p.Close(context.Background())
	res, _ := p.Send(context.Background(), "missing", kafka.Message{Value: []byte("v")})
	if len(res) != 1 || res[0].Err == nil {
		t.Fatalf("producing to an unknown topic succeeded: %+v", res)
	}
}
