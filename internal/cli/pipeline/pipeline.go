// Package pipeline wires the plugins of a producer.toml into a producer:
// it loads every [plugins.NAME] with the plugin runtime and composes, per
// topic, the runtime's adapters into one dispatching kafka.Interceptor and
// one dispatching kafka.RecordPartitioner.
//
// For a topic with a [topics.NAME] table the interceptor runs the key
// codec, the value codec, then the enrichers in order (the same order as
// runtime.Pipeline), and the topic's partitioner plugin places its
// records. Records of other topics, and of topics without a partitioner,
// are placed by [producer] partitioner: murmur2 (default), round-robin,
// or a partitioner plugin. Every plugin stage is timed for metrics.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// Observer receives one event per plugin stage call, for metrics. It is
// called on the producing goroutine and must be fast and safe for
// concurrent use.
type Observer interface {
	PluginCall(plugin string, kind runtime.Kind, records, failed int, d time.Duration)
}

// CaptureFunc sees every record after all interceptor stages (with its
// final key, value and headers) and its error so far. It runs on the
// goroutine that called Send/SendAsync, before partitioning.
type CaptureFunc func(topic string, msgs []kafka.Message, errs []error)

// Pipeline is a loaded set of plugins wired to topics. It is safe for
// concurrent use; Close it after the producer using it is closed.
type Pipeline struct {
	plugins map[string]*runtime.Plugin
	topics  map[string]*chain
	def     defaultPartitioner
	obs     Observer
	capture atomic.Pointer[CaptureFunc]
}

type chain struct {
	partitioner kafka.RecordPartitioner // nil: the default
	stages      []kafka.Interceptor
}

// Load loads every plugin of f (concurrently) into rt and wires the
// topics. On failure it closes what it loaded and returns every plugin's
// error (each a *runtime.PluginError naming the plugin), joined.
func Load(ctx context.Context, rt *runtime.Runtime, f *config.File, obs Observer) (*Pipeline, error) {
	pl := &Pipeline{plugins: map[string]*runtime.Plugin{}, topics: map[string]*chain{}, obs: obs}
	names := make([]string, 0, len(f.Plugins.Plugins))
	for n := range f.Plugins.Plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	var (
		mu   sync.Mutex
		errs = make([]error, len(names))
		wg   sync.WaitGroup
	)
	for i, name := range names {
		pc, err := f.Plugins.PluginConfig(name, f.Dir)
		if err != nil {
			errs[i] = err
			continue
		}
		wg.Go(func() {
			p, err := rt.Load(ctx, pc)
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			pl.plugins[name] = p
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		pl.Close(ctx)
		return nil, err
	}
	for name, t := range f.Plugins.Topics {
		c := &chain{}
		if t.Partitioner != "" {
			c.partitioner = pl.timedPartitioner(t.Partitioner)
		}
		for _, s := range []kafka.Interceptor{pl.codecStage(t.KeyCodec, true), pl.codecStage(t.ValueCodec, false)} {
			if s != nil {
				c.stages = append(c.stages, s)
			}
		}
		for _, e := range t.Enrichers {
			c.stages = append(c.stages, pl.timed(e, pl.plugins[e].Interceptor()))
		}
		pl.topics[name] = c
	}
	switch name := f.Producer.Partitioner; name {
	case "", "murmur2":
	case "round-robin":
		pl.def.roundRobin = true
	default:
		pl.def.plugin = pl.timedPartitioner(name)
	}
	return pl, nil
}

// Plugins returns the loaded plugins by name; the map must not be modified.
func (pl *Pipeline) Plugins() map[string]*runtime.Plugin { return pl.plugins }

// Configure sets the pipeline's partitioner and interceptor in cfg.
func (pl *Pipeline) Configure(cfg *kafka.ProducerConfig) {
	cfg.Partitioner = partitioner{pl}
	cfg.Interceptors = append(cfg.Interceptors, interceptor{pl})
}

// SetCapture installs (or, with nil, removes) the capture hook.
func (pl *Pipeline) SetCapture(fn CaptureFunc) {
	if fn == nil {
		pl.capture.Store(nil)
		return
	}
	pl.capture.Store(&fn)
}

// Close closes every plugin, waiting for calls in flight.
func (pl *Pipeline) Close(ctx context.Context) error {
	var errs []error
	for _, p := range pl.plugins {
		errs = append(errs, p.Close(ctx))
	}
	return errors.Join(errs...)
}

func (pl *Pipeline) codecStage(name string, key bool) kafka.Interceptor {
	switch name {
	case "", runtime.CodecBytes, runtime.CodecString:
		return nil
	case runtime.CodecJSON:
		return jsonCheck{key: key}
	}
	p := pl.plugins[name]
	if key {
		return pl.timed(name, p.KeyCodec())
	}
	return pl.timed(name, p.ValueCodec())
}

// timed wraps a plugin stage with the observer.
func (pl *Pipeline) timed(name string, ic kafka.Interceptor) kafka.Interceptor {
	if pl.obs == nil {
		return ic
	}
	return &timedStage{name: name, kind: pl.plugins[name].Kind(), ic: ic, obs: pl.obs}
}

func (pl *Pipeline) timedPartitioner(name string) kafka.RecordPartitioner {
	rp := pl.plugins[name].Partitioner()
	if pl.obs == nil {
		return rp
	}
	return &timedPartitioner{name: name, rp: rp, obs: pl.obs}
}

type timedStage struct {
	name string
	kind runtime.Kind
	ic   kafka.Interceptor
	obs  Observer
}

func countErrs(errs []error) int {
	n := 0
	for _, e := range errs {
		if e != nil {
			n++
		}
	}
	return n
}

func (t *timedStage) Intercept(topic string, msgs []kafka.Message, errs []error) {
	before := countErrs(errs)
	start := time.Now()
	t.ic.Intercept(topic, msgs, errs)
	d := time.Since(start)
	t.obs.PluginCall(t.name, t.kind, len(msgs)-before, countErrs(errs)-before, d)
}

type timedPartitioner struct {
	name string
	rp   kafka.RecordPartitioner
	obs  Observer
}

func (t *timedPartitioner) Partition(topic string, key, value []byte, n int) int {
	return t.rp.Partition(topic, key, value, n)
}

func (t *timedPartitioner) PartitionRecords(topic string, msgs []kafka.Message, n int, out []int32, errs []error) {
	before := countErrs(errs)
	start := time.Now()
	t.rp.PartitionRecords(topic, msgs, n, out, errs)
	t.obs.PluginCall(t.name, runtime.KindPartitioner, len(msgs)-before, countErrs(errs)-before, time.Since(start))
}

// defaultPartitioner places records of topics without a partitioner.
type defaultPartitioner struct {
	roundRobin bool
	plugin     kafka.RecordPartitioner
	counters   sync.Map // topic -> *atomic.Uint32, for round-robin
}

func (d *defaultPartitioner) partitionRecords(topic string, msgs []kafka.Message, n int, out []int32, errs []error) {
	if d.plugin != nil {
		d.plugin.PartitionRecords(topic, msgs, n, out, errs)
		return
	}
	var ctr *atomic.Uint32
	if d.roundRobin {
		v, _ := d.counters.LoadOrStore(topic, new(atomic.Uint32))
		ctr = v.(*atomic.Uint32)
	}
	for i := range msgs {
		switch {
		case errs[i] != nil:
			out[i] = -1
		case msgs[i].Partition != nil:
			out[i] = *msgs[i].Partition
		case ctr != nil:
			out[i] = int32((ctr.Add(1) - 1) % uint32(n))
		default:
			out[i] = int32(kafka.Murmur2Partitioner.Partition(topic, msgs[i].Key, msgs[i].Value, n))
		}
	}
}

type partitioner struct{ pl *Pipeline }

func (p partitioner) Partition(topic string, key, value []byte, n int) int {
	out, errs := []int32{-1}, []error{nil}
	p.PartitionRecords(topic, []kafka.Message{{Key: key, Value: value}}, n, out, errs)
	if errs[0] != nil {
		return -2
	}
	return int(out[0])
}

func (p partitioner) PartitionRecords(topic string, msgs []kafka.Message, n int, out []int32, errs []error) {
	if c := p.pl.topics[topic]; c != nil && c.partitioner != nil {
		c.partitioner.PartitionRecords(topic, msgs, n, out, errs)
		return
	}
	p.pl.def.partitionRecords(topic, msgs, n, out, errs)
}

type interceptor struct{ pl *Pipeline }

func (ic interceptor) Intercept(topic string, msgs []kafka.Message, errs []error) {
	if c := ic.pl.topics[topic]; c != nil {
		for _, s := range c.stages {
			s.Intercept(topic, msgs, errs)
		}
	}
	if fn := ic.pl.capture.Load(); fn != nil {
		(*fn)(topic, msgs, errs)
	}
}

// jsonCheck is the built-in "json" codec: bytes must be valid JSON (a
// null key or value is left alone).
type jsonCheck struct{ key bool }

func (j jsonCheck) Intercept(_ string, msgs []kafka.Message, errs []error) {
	what := "value"
	if j.key {
		what = "key"
	}
	for i := range msgs {
		if errs[i] != nil {
			continue
		}
		b := msgs[i].Value
		if j.key {
			b = msgs[i].Key
		}
		if b != nil && !json.Valid(b) {
			errs[i] = fmt.Errorf("%w (%s)", runtime.ErrInvalidJSON, what)
		}
	}
}
