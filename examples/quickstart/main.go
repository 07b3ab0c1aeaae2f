// Command quickstart starts an in-process development broker (franz-go's
// kfake, unless -brokers names a real cluster), produces a few records with
// kafkawasm (keyed, keyless, with headers, through a typed topic) and prints
// where each landed.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -brokers 127.0.0.1:9092
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
)

type Order struct {
	ID    string   `json:"id"`
	Items []string `json:"items"`
	Total float64  `json:"total"`
}

func main() {
	brokersFlag := flag.String("brokers", "", "comma-separated brokers; empty starts an embedded development broker")
	flag.Parse()
	brokers := strings.Split(*brokersFlag, ",")
	if *brokersFlag == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		brokers = c.ListenAddrs()
		fmt.Fprintf(os.Stderr, "started embedded development broker at %s\n", brokers[0])
	}

	client, err := kafka.NewClient(kafka.ClientConfig{ClientID: "quickstart", Brokers: brokers})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	producer, err := client.Producer(kafka.ProducerConfig{
		Acks:        kafka.AcksAll,
		Compression: kafka.CompressionZstd,
		Linger:      5 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	results, err := producer.Send(ctx, "events",
		kafka.Message{Key: []byte("user-1"), Value: []byte("login")},
		kafka.Message{Key: []byte("user-1"), Value: []byte("click")},
		kafka.Message{Key: []byte("user-2"), Value: []byte("login"),
			Headers: []kafka.Header{{Key: "correlation-id", Value: []byte("12345")}, {Key: "source", Value: []byte("web-app")}}},
		kafka.Message{Value: []byte("keyless: sticky partition")},
	)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Printf("%s partition=%d offset=%d timestamp=%s\n", r.Topic, r.Partition, r.Offset, r.Timestamp.Format(time.RFC3339Nano))
	}

	orders := kafka.NewTopic("orders", kafka.StringCodec(), kafka.JSONCodec[Order]())
	key := "order-123"
	results, err = orders.Send(ctx, producer, kafka.TypedMessage[string, Order]{
		Key:   &key,
		Value: Order{ID: "order-123", Items: []string{"item-a"}, Total: 99.99},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("orders partition=%d offset=%d\n", results[0].Partition, results[0].Offset)

	// Fire-and-forget, then Close flushes.
	pending := producer.SendAsync("logs", kafka.Message{Value: []byte("log message")})
	if err := producer.Close(ctx); err != nil {
		log.Fatal(err)
	}
	results, err = pending.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("logs partition=%d offset=%d\n", results[0].Partition, results[0].Offset)
}
