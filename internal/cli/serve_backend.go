package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/internal/cli/metrics"
	"github.com/kafkawasm/kafkawasm/internal/cli/pipeline"
	"github.com/kafkawasm/kafkawasm/internal/cli/restproxy"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// backend is serve's restproxy.Backend. It produces through the current
// generation: a producer, its plugins and a topic probe built from one
// version of the config. A reload (SIGHUP) builds a new generation, makes
// it current, then retires the old one: it waits until no request is
// inside the old producer's SendAsync, closes the producer (which flushes
// and delivers every record it accepted, answering their requests) and
// closes its plugins. A request's records all go to one generation, so a
// reload neither loses nor duplicates records. (With a transactional id
// that does not change, the old generation is retired before the new one
// takes requests, since the new producer would fence the old one.)
type backend struct {
	s    *session
	m    *metrics.Metrics
	log  *slog.Logger
	opts serveOpts

	mu       sync.Mutex // serializes start, reload and close
	cur      atomic.Pointer[generation]
	closed   atomic.Bool
	draining atomic.Bool
	gens     int // guarded by mu
}

// generation is one loaded version of the config.
type generation struct {
	id       int
	file     *config.File
	client   *sharedClient
	producer *kafka.Producer
	probe    *kafka.Producer
	pipeline *pipeline.Pipeline

	mu      sync.RWMutex // read-held around SendAsync; write-held to retire
	retired bool         // guarded by mu
}

// sharedClient is a client used by one or more generations.
type sharedClient struct {
	cl   *kafka.Client
	refs atomic.Int32
}

func (c *sharedClient) release() {
	if c.refs.Add(-1) == 0 {
		c.cl.Close()
	}
}

// start builds the first generation.
func (b *backend) start(file *config.File) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, err := b.build(file, nil)
	if err != nil {
		return err
	}
	b.install(g)
	return nil
}

func (b *backend) install(g *generation) {
	b.cur.Store(g)
	b.m.SetBufferUsage(g.producer.BufferUsage)
	b.m.SetPluginStats(func() []metrics.PluginStats {
		var out []metrics.PluginStats
		for name, p := range g.pipeline.Plugins() {
			out = append(out, metrics.PluginStats{Name: name, Kind: p.Kind(), Stats: p.Stats()})
		}
		return out
	})
}

// build makes a generation for file, reusing prev's client when the
// [client] table did not change (and uses no TLS files, which a reload
// must read again: certificates are rotated that way).
func (b *backend) build(file *config.File, prev *generation) (g *generation, err error) {
	b.gens++
	g = &generation{id: b.gens, file: file}
	if prev != nil && file.Client.TLS == nil && reflect.DeepEqual(prev.file.Client, file.Client) && prev.file.DevBroker == file.DevBroker {
		g.client = prev.client
		g.client.refs.Add(1)
	} else {
		cl, err := b.s.newClient(file)
		if err != nil {
			return nil, err
		}
		g.client = &sharedClient{cl: cl}
		g.client.refs.Store(1)
	}
	defer func() {
		if err != nil {
			g.close(context.Background())
		}
	}()
	if g.pipeline, err = b.s.loadPipeline(context.Background(), file, b.m); err != nil {
		return nil, err
	}
	if g.producer, err = newProducer(g.client.cl, file, g.pipeline, b.m); err != nil {
		return nil, err
	}
	pc := kafka.ProducerConfig{Partitioner: probePartitioner{}, DeliveryTimeout: b.opts.topicWait,
		RequestTimeout: file.Producer.RequestTimeout, MaxRetryBackoff: file.Producer.MaxRetryBackoff}
	if g.probe, err = g.client.cl.Producer(pc); err != nil {
		return nil, err
	}
	return g, nil
}

// close releases everything the generation holds; ctx bounds the flush.
func (g *generation) close(ctx context.Context) error {
	var errs []error
	if g.producer != nil {
		errs = append(errs, g.producer.Close(ctx))
	}
	if g.probe != nil {
		g.probe.Close(ctx)
	}
	if g.pipeline != nil {
		errs = append(errs, g.pipeline.Close(ctx))
	}
	if g.client != nil {
		g.client.release()
	}
	return errors.Join(errs...)
}

// retire stops new sends into g, then flushes and closes it.
func (b *backend) retire(ctx context.Context, g *generation) error {
	g.mu.Lock()
	g.retired = true
	g.mu.Unlock()
	return g.close(ctx)
}

// reload loads the config file again and switches to a new generation.
func (b *backend) reload() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil
	}
	old := b.cur.Load()
	b.log.Info("SIGHUP: reloading", "config", old.file.Path)
	file, err := loadConfig(b.opts.config, b.opts.brokers, b.s.getenv)
	if err == nil {
		var g *generation
		if g, err = b.build(file, old); err == nil {
			// A new producer with the same transactional id fences the old
			// one, failing its open transaction: retire the old one first
			// (requests wait for the new one meanwhile).
			fence := file.Producer.TransactionalID != "" && file.Producer.TransactionalID == old.file.Producer.TransactionalID
			if !fence {
				b.install(g)
			}
			ctx, cancel := context.WithTimeout(context.Background(), old.file.Producer.DeliveryTimeout+old.file.Producer.RequestTimeout)
			rerr := b.retire(ctx, old)
			cancel()
			if fence {
				b.install(g)
			}
			b.m.Reload(nil)
			if rerr != nil {
				b.log.Error("flushing the previous config's records", "generation", old.id, "err", rerr)
			}
			b.log.Info("reloaded: new records use the new config and plugins", "generation", g.id, "config", file.Path)
			return nil
		}
	}
	b.m.Reload(err)
	var ce *config.Error
	if errors.As(err, &ce) {
		return fmt.Errorf("%d problem(s) in %s:\n%w", len(ce.Problems), old.file.Path, err)
	}
	return err
}

// close retires the current generation for good.
func (b *backend) close(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Swap(true) {
		return nil
	}
	if g := b.cur.Load(); g != nil {
		return b.retire(ctx, g)
	}
	return nil
}

// Produce implements restproxy.Backend.
func (b *backend) Produce(ctx context.Context, topic string, msgs []kafka.Message) ([]kafka.SendResult, error) {
	for {
		g := b.cur.Load()
		if g == nil {
			return nil, restproxy.ErrUnavailable
		}
		g.mu.RLock()
		if g.retired {
			g.mu.RUnlock()
			if b.closed.Load() {
				return nil, restproxy.ErrUnavailable
			}
			time.Sleep(time.Millisecond) // a reload is switching generations
			continue
		}
		if g.file.Producer.TransactionalID != "" { // one transaction per request
			res := sendTxn(ctx, g.producer, topic, msgs)
			g.mu.RUnlock()
			return res, nil
		}
		pd := g.producer.SendAsync(topic, msgs...)
		g.mu.RUnlock()
		res, err := pd.Wait(ctx)
		var de *kafka.DeliveryError
		if errors.As(err, &de) {
			err = nil // per-record errors are in res
		}
		return res, err
	}
}

// Partitions implements restproxy.Backend with the generation's probe
// producer: its partitioner is only called once the topic's metadata is
// known, and fails the record on purpose, reporting the partition count.
func (b *backend) Partitions(ctx context.Context, topic string) (int, error) {
	for {
		g := b.cur.Load()
		if g == nil || b.closed.Load() {
			return 0, restproxy.ErrUnavailable
		}
		res, _ := g.probe.Send(ctx, topic, kafka.Message{})
		if len(res) == 0 {
			return 0, ctx.Err()
		}
		var pr probeResult
		err := res[0].Err
		switch {
		case errors.As(err, &pr):
			return pr.n, nil
		case errors.Is(err, kafka.ErrProducerClosed):
			time.Sleep(time.Millisecond) // retired by a reload
			continue
		case errors.Is(err, kafka.ErrUnknownTopicOrPartition):
			return 0, restproxy.ErrUnknownTopic
		}
		var te *kafka.SendTimeoutError
		if errors.As(err, &te) && te.Cause == nil {
			return 0, restproxy.ErrUnknownTopic
		}
		return 0, err
	}
}

// probeResult is the "error" the probe partitioner fails records with.
type probeResult struct{ n int }

func (p probeResult) Error() string { return fmt.Sprintf("topic has %d partitions", p.n) }

// probePartitioner reports the partition count and sends nothing.
type probePartitioner struct{}

func (probePartitioner) Partition(string, []byte, []byte, int) int { return -2 }

func (probePartitioner) PartitionRecords(_ string, msgs []kafka.Message, n int, _ []int32, errs []error) {
	for i := range msgs {
		errs[i] = probeResult{n}
	}
}
