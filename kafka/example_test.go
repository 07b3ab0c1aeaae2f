package kafka_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Produce to an in-process fake cluster: create a client and a producer,
// Send (which waits for the broker's acknowledgements), then Close.
func Example() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "greetings"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	client, err := kafka.NewClient(kafka.ClientConfig{ClientID: "example", Brokers: cluster.ListenAddrs()})
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	results, err := producer.Send(ctx, "greetings",
		kafka.Message{Value: []byte("Hello, Kafka!"), Partition: new(int32(0))},
		kafka.Message{Key: []byte("user-1"), Value: []byte("login")}, // murmur2("user-1") picks the partition
		kafka.Message{Key: []byte("user-1"), Value: []byte("logout")},
	)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Printf("%s[%d]@%d\n", r.Topic, r.Partition, r.Offset)
	}
	if err := producer.Close(ctx); err != nil {
		log.Fatal(err)
	}
	_, err = producer.Send(ctx, "greetings", kafka.Message{Value: []byte("too late")})
	fmt.Println(err)
	// Output:
	// greetings[0]@0
	// greetings[2]@0
	// greetings[2]@1
	// kafka: 1 of 1 records failed; kafka: producer closed
}

// Typed topics check keys and values at compile time; the codecs turn
// them into bytes.
func ExampleNewTopic() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	client, err := kafka.NewClient(kafka.ClientConfig{Brokers: cluster.ListenAddrs()})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	producer, err := client.Producer(kafka.ProducerConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close(context.Background())

	type Order struct {
		ID    string   `json:"id"`
		Items []string `json:"items"`
		Total float64  `json:"total"`
	}
	orders := kafka.NewTopic("orders", kafka.StringCodec(), kafka.JSONCodec[Order]())
	results, err := orders.Send(context.Background(), producer, kafka.TypedMessage[string, Order]{
		Key:   new("order-123"),
		Value: Order{ID: "order-123", Items: []string{"item-a"}, Total: 99.99},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s[%d]@%d\n", results[0].Topic, results[0].Partition, results[0].Offset)
	// Output: orders[0]@0
}
