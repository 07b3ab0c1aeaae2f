// Package devbroker runs kafkawasm's embedded development broker: an
// in-process, in-memory Kafka (franz-go's kfake) listening on 127.0.0.1,
// with automatic topic creation. It is for local work and demos only: it
// keeps everything in memory and forgets it on exit.
package devbroker

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Options configures Start.
type Options struct {
	// Port to listen on (127.0.0.1 only); 0 picks a free port.
	Port int
	// Partitions of auto-created topics; default 3.
	Partitions int
	// NoAutoCreate disables automatic topic creation (topics must then be
	// created explicitly; producing to an unknown topic fails).
	NoAutoCreate bool
	// Topics are created at start with Partitions partitions.
	Topics []string
}

// Broker is a running development broker. Close stops it.
type Broker struct {
	c     *kfake.Cluster
	addrs []string
}

// Start starts a single-broker development cluster.
func Start(o Options) (*Broker, error) {
	if o.Partitions <= 0 {
		o.Partitions = 3
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(o.Partitions), kfake.ClusterID("kafkawasm-dev")}
	if o.Port > 0 {
		opts = append(opts, kfake.Ports(o.Port))
	}
	if !o.NoAutoCreate {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if len(o.Topics) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(o.Partitions), o.Topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the development broker: %w", err)
	}
	return &Broker{c: c, addrs: c.ListenAddrs()}, nil
}

// Addrs returns the broker's listen addresses ("127.0.0.1:port").
func (b *Broker) Addrs() []string { return b.addrs }

// String returns the addresses, comma-separated.
func (b *Broker) String() string { return strings.Join(b.addrs, ",") }

// Close stops the broker; everything it stored is lost.
func (b *Broker) Close() { b.c.Close() }
