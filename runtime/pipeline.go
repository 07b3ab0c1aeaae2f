package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// Pipeline is the per-topic plugin wiring built from a PluginsConfig: one
// kafka.RecordPartitioner and one kafka.Interceptor that dispatch by topic.
// For a topic, Interceptor runs the key codec, the value codec, then the
// enrichers in the listed order (each sees the previous one's output; a
// record failed by one stage is skipped by the next), so the partitioner,
// which the producer calls after the interceptors, sees the final bytes and
// headers. A topic without a [topics] table is passed through and placed by
// kafka.Murmur2Partitioner.
//
// A Pipeline is immutable and safe for concurrent use; Close it when the
// producer no longer uses it.
type Pipeline struct {
	plugins map[string]*Plugin
	topics  map[string]*chain
	def     kafka.Partitioner
}

type chain struct {
	partitioner kafka.RecordPartitioner // nil: default
	stages      []kafka.Interceptor
}

// Build loads every plugin of cfg into the Default runtime and wires the
// topics; see (*Runtime).Build.
func Build(ctx context.Context, cfg *PluginsConfig, baseDir string) (*Pipeline, error) {
	return Default().Build(ctx, cfg, baseDir)
}

// Build validates cfg, loads every plugin it defines (relative paths are
// resolved against baseDir, normally the config file's directory),
// concurrently, and wires the topics. On error, the plugins already loaded
// are closed and every load error is returned, joined.
func (r *Runtime) Build(ctx context.Context, cfg *PluginsConfig, baseDir string) (*Pipeline, error) {
	if err := cfg.Validate(""); err != nil {
		return nil, err
	}
	pl := &Pipeline{plugins: map[string]*Plugin{}, topics: map[string]*chain{}, def: kafka.Murmur2Partitioner}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, name := range sortedKeys(cfg.Plugins) {
		pc, err := cfg.PluginConfig(name, baseDir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		wg.Go(func() {
			p, err := r.Load(ctx, pc)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			pl.plugins[name] = p
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		pl.Close(ctx)
		return nil, errors.Join(errs...)
	}
	for name, t := range cfg.Topics {
		c := &chain{}
		if t.Partitioner != "" {
			c.partitioner = pl.plugins[t.Partitioner].Partitioner()
		}
		if s := pl.codecStage(t.KeyCodec, true); s != nil {
			c.stages = append(c.stages, s)
		}
		if s := pl.codecStage(t.ValueCodec, false); s != nil {
			c.stages = append(c.stages, s)
		}
		for _, e := range t.Enrichers {
			c.stages = append(c.stages, pl.plugins[e].Interceptor())
		}
		pl.topics[name] = c
	}
	return pl, nil
}

func (pl *Pipeline) codecStage(name string, key bool) kafka.Interceptor {
	switch name {
	case "", CodecBytes, CodecString:
		return nil
	case CodecJSON:
		return jsonCheck{key: key}
	}
	if key {
		return pl.plugins[name].KeyCodec()
	}
	return pl.plugins[name].ValueCodec()
}

// Plugin returns a loaded plugin by name, or nil.
func (pl *Pipeline) Plugin(name string) *Plugin { return pl.plugins[name] }

// Plugins returns the loaded plugins by name. The map must not be modified.
func (pl *Pipeline) Plugins() map[string]*Plugin { return pl.plugins }

// Partitioner returns the dispatching partitioner.
func (pl *Pipeline) Partitioner() kafka.RecordPartitioner { return pipelinePartitioner{pl} }

// Interceptor returns the dispatching interceptor.
func (pl *Pipeline) Interceptor() kafka.Interceptor { return pipelineInterceptor{pl} }

// Close closes every plugin.
func (pl *Pipeline) Close(ctx context.Context) error {
	var errs []error
	for _, p := range pl.plugins {
		errs = append(errs, p.Close(ctx))
	}
	return errors.Join(errs...)
}

type pipelinePartitioner struct{ pl *Pipeline }

func (d pipelinePartitioner) Partition(topic string, key, value []byte, n int) int {
	if c := d.pl.topics[topic]; c != nil && c.partitioner != nil {
		return c.partitioner.Partition(topic, key, value, n)
	}
	return d.pl.def.Partition(topic, key, value, n)
}

func (d pipelinePartitioner) PartitionRecords(topic string, msgs []kafka.Message, n int, out []int32, errs []error) {
	if c := d.pl.topics[topic]; c != nil && c.partitioner != nil {
		c.partitioner.PartitionRecords(topic, msgs, n, out, errs)
		return
	}
	for i := range msgs {
		switch {
		case errs[i] != nil:
			out[i] = -1
		case msgs[i].Partition != nil:
			out[i] = *msgs[i].Partition
		default:
			out[i] = int32(d.pl.def.Partition(topic, msgs[i].Key, msgs[i].Value, n))
		}
	}
}

type pipelineInterceptor struct{ pl *Pipeline }

func (d pipelineInterceptor) Intercept(topic string, msgs []kafka.Message, errs []error) {
	c := d.pl.topics[topic]
	if c == nil {
		return
	}
	for _, s := range c.stages {
		s.Intercept(topic, msgs, errs)
	}
}

// jsonCheck is the built-in "json" codec at the byte level: the bytes must
// be valid JSON (a null key or value is left alone).
type jsonCheck struct{ key bool }

// ErrInvalidJSON is the cause of a record failed by the built-in json codec.
var ErrInvalidJSON = errors.New("kafkawasm: json codec: not valid JSON")

func (j jsonCheck) Intercept(_ string, msgs []kafka.Message, errs []error) {
	for i := range msgs {
		if errs[i] != nil {
			continue
		}
		b := msgs[i].Value
		if j.key {
			b = msgs[i].Key
		}
		if b != nil && !json.Valid(b) {
			what := "value"
			if j.key {
				what = "key"
			}
			errs[i] = fmt.Errorf("%w (%s)", ErrInvalidJSON, what)
		}
	}
}
