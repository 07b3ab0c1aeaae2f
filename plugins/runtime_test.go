package plugins_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
)

// TestConformanceRuntime runs the vectors through the host's runtime package
// and its kafka adapters, as a producer would. It complements the direct
// harness (TestConformance), which sees the raw ABI: through the runtime a
// "no opinion" becomes the default partitioner's choice, codecs run one
// value per call, and the config is a TOML-like table (so config_raw cases,
// which need invalid JSON, are left to TestConformance).

var (
	rtOnce     sync.Once
	rtErr      error
	rtShared   *runtime.Runtime
	rtCacheDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if rtShared != nil {
		rtShared.Close(context.Background())
	}
	if rtCacheDir != "" {
		os.RemoveAll(rtCacheDir)
	}
	os.Exit(code)
}

func sharedRuntime(t *testing.T) *runtime.Runtime {
	t.Helper()
	rtOnce.Do(func() {
		// An on-disk compilation cache for this test binary: every case
		// loads the plugin anew, and only the disk cache outlives a
		// plugin's Close (a warm load of a Go build takes about 50 ms
		// instead of a full compile).
		if rtCacheDir, rtErr = os.MkdirTemp("", "kafkawasm-plugins-test-"); rtErr != nil {
			return
		}
		rtShared, rtErr = runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: rtCacheDir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if rtErr != nil {
		t.Fatal(rtErr)
	}
	return rtShared
}

func TestConformanceRuntime(t *testing.T) {
	for name, vf := range loadVectors(t) {
		t.Run(name, func(t *testing.T) {
			for _, b := range builds {
				path := wasmPath(name, b.suffix)
				t.Run(b.name, func(t *testing.T) {
					requireBuild(t, path)
					for ci := range vf.Cases {
						c := &vf.Cases[ci]
						if c.ConfigRaw != nil {
							continue
						}
						p := &runtimePlugin{t: t, rt: sharedRuntime(t), name: name, kind: runtime.Kind(vf.Kind), path: path}
						_, problems := runCase(p, vf.Kind, c)
						for _, msg := range problems {
							t.Errorf("case %q: %s", c.Name, msg)
						}
						p.close()
					}
				})
			}
		})
	}
}

// runtimePlugin adapts a runtime.Plugin to pluginInstance.
type runtimePlugin struct {
	t    *testing.T
	rt   *runtime.Runtime
	name string
	kind runtime.Kind
	path string
	p    *runtime.Plugin
}

func (r *runtimePlugin) close() {
	if r.p != nil {
		r.p.Close(context.Background())
	}
}

// Configure loads the plugin with cfg as its config table; a refused config
// is returned as the plugin's own message.
func (r *runtimePlugin) Configure(cfg []byte) error {
	dec := json.NewDecoder(bytes.NewReader(cfg))
	dec.UseNumber()
	var table map[string]any
	if err := dec.Decode(&table); err != nil {
		r.t.Fatalf("config is not a table: %v", err)
	}
	p, err := r.rt.Load(context.Background(), runtime.PluginConfig{
		Name: r.name, Kind: r.kind, Path: r.path, Config: table, PoolSize: 1,
	})
	if err != nil {
		if !errors.Is(err, runtime.ErrConfigure) {
			r.t.Fatalf("load: %v", err)
		}
		// "...: kw_configure returned N: <the plugin's message>"
		_, msg, _ := strings.Cut(err.Error(), "kw_configure returned ")
		_, msg, _ = strings.Cut(msg, ": ")
		return errors.New(msg)
	}
	r.p = p
	return nil
}

// rejected returns the plugin's message of a record it rejected, or the
// whole error for anything else.
func rejected(err error) string {
	var pe *runtime.PluginError
	if errors.As(err, &pe) && errors.Is(err, runtime.ErrRecordRejected) {
		return strings.TrimPrefix(pe.Cause.Error(), runtime.ErrRecordRejected.Error()+": ")
	}
	return "unexpected failure: " + err.Error()
}

func toMessages(recs []sdk.Record) []kafka.Message {
	msgs := make([]kafka.Message, len(recs))
	for i, r := range recs {
		msgs[i] = kafka.Message{Key: r.Key, Value: r.Value}
		for _, h := range r.Headers {
			msgs[i].Headers = append(msgs[i].Headers, kafka.Header{Key: h.Key, Value: h.Value})
		}
	}
	return msgs
}

func (r *runtimePlugin) Partition(topic string, n int, recs []sdk.Record) ([]sdk.PartitionResult, error) {
	msgs := toMessages(recs)
	out := make([]int32, len(msgs))
	errs := make([]error, len(msgs))
	r.p.Partitioner().PartitionRecords(topic, msgs, n, out, errs)
	res := make([]sdk.PartitionResult, len(msgs))
	for i := range res {
		res[i].Partition = out[i]
		if errs[i] != nil {
			res[i] = sdk.PartitionResult{Partition: -2, Err: rejected(errs[i])}
		}
	}
	return res, nil
}

func (r *runtimePlugin) NoOpinion(key []byte, n int) int32 {
	return int32(kafka.Murmur2Partitioner.Partition("", key, nil, n))
}

func (r *runtimePlugin) Codec(op, _ string, vals [][]byte) ([]sdk.CodecResult, error) {
	c := r.p.Codec()
	res := make([]sdk.CodecResult, len(vals))
	for i, v := range vals {
		var out []byte
		var err error
		if op == "encode" {
			out, err = c.Encode(v)
		} else {
			out, err = c.Decode(v)
		}
		if err != nil {
			res[i].Err = rejected(err)
			continue
		}
		res[i].Value = out
	}
	return res, nil
}

func (r *runtimePlugin) Enrich(topic string, recs []sdk.Record) ([]sdk.EnrichResult, error) {
	msgs := toMessages(recs)
	errs := make([]error, len(msgs))
	r.p.Interceptor().Intercept(topic, msgs, errs)
	res := make([]sdk.EnrichResult, len(msgs))
	for i, m := range msgs {
		if errs[i] != nil {
			res[i].Err = rejected(errs[i])
			continue
		}
		// The interceptor appends the plugin's headers after the record's own.
		res[i].Headers = []sdk.Header{}
		for _, h := range m.Headers[len(recs[i].Headers):] {
			res[i].Headers = append(res[i].Headers, sdk.Header{Key: h.Key, Value: h.Value})
		}
	}
	return res, nil
}
