package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// Modules refused at load: each error names the plugin and the problem.
func TestLoadRefusesHostileModules(t *testing.T) {
	good, err := readFixture("partitioner")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     runtime.PluginConfig
		cause   error
		mention string
	}{
		{"wrong ABI major", runtime.PluginConfig{Name: "abi2"}, runtime.ErrABIVersion, "ABI 2.0"},
		{"unprovided host function", runtime.PluginConfig{Name: "badimport"}, runtime.ErrUnknownImport, "kafkawasm.open_socket"},
		{"socket import", runtime.PluginConfig{Name: "sock_import"}, runtime.ErrUnknownImport, "wasi_snapshot_preview1.sock_open"},
		{"missing export", runtime.PluginConfig{Name: "missing"}, runtime.ErrMissingExport, "kw_partition"},
		{"mistyped export", runtime.PluginConfig{Name: "badsig"}, runtime.ErrMissingExport, "kw_partition has signature (i32) -> (i32)"},
		{"memory over cap", runtime.PluginConfig{Name: "bigmem"}, runtime.ErrMemoryLimit, "max_memory_mb 16"},
		{"start function loops", runtime.PluginConfig{Name: "startloop", Timeout: 20 * time.Millisecond}, runtime.ErrTimeout, "__kw_start"},
		{"sha256 mismatch", runtime.PluginConfig{Name: "p", Wasm: good, SHA256: strings.Repeat("ab", 32)}, runtime.ErrSHA256Mismatch, "abab"},
		{"configure refuses", runtime.PluginConfig{Name: "partitioner", Config: map[string]any{"refuse": true}}, runtime.ErrConfigure, "refused by config"},
		{"codec fallback", runtime.PluginConfig{Name: "codec", Kind: runtime.KindCodec, OnError: runtime.OnErrorFallback}, runtime.ErrInvalidConfig, "not allowed for codecs"},
		{"wrong kind exports", runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindCodec}, runtime.ErrMissingExport, "kw_encode"},
		{"unknown grant", runtime.PluginConfig{Name: "partitioner", Grants: []string{"network"}}, runtime.ErrInvalidConfig, "network"},
		{"not wasm", runtime.PluginConfig{Name: "junk", Wasm: []byte("hello")}, runtime.ErrInvalidModule, ""},
		{"no such file", runtime.PluginConfig{Name: "nope"}, runtime.ErrInvalidConfig, "nope.wasm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Kind == "" {
				cfg.Kind = runtime.KindPartitioner
			}
			if cfg.Path == "" && cfg.Wasm == nil {
				cfg.Path = fixture(cfg.Name)
			}
			start := time.Now()
			p, err := testRuntime(t).Load(context.Background(), cfg)
			if err == nil {
				p.Close(context.Background())
				t.Fatal("loaded")
			}
			var pe *runtime.PluginError
			if !errors.As(err, &pe) || pe.Plugin != cfg.Name {
				t.Fatalf("err = %#v, want a *PluginError naming %q", err, cfg.Name)
			}
			if !errors.Is(err, tt.cause) {
				t.Fatalf("err = %v, want cause %v", err, tt.cause)
			}
			if !strings.Contains(err.Error(), tt.mention) || !strings.Contains(err.Error(), cfg.Name) {
				t.Fatalf("err = %q, want it to mention %q and the plugin", err, tt.mention)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func records(keys ...string) []kafka.Message {
	msgs := make([]kafka.Message, len(keys))
	for i, k := range keys {
		msgs[i] = kafka.Message{Key: []byte(k), Value: []byte("value-" + k)}
	}
	return msgs
}

func partition(p *runtime.Plugin, count int, msgs []kafka.Message) ([]int32, []error) {
	out := make([]int32, len(msgs))
	errs := make([]error, len(msgs))
	p.Partitioner().PartitionRecords("t", msgs, count, out, errs)
	return out, errs
}

// Plugins that misbehave at call time: the batch's records fail with a
// *PluginError naming plugin and cause (or fall back), the adapter keeps
// working, and a broken instance is replaced.
func TestHostilePartitionersAreContained(t *testing.T) {
	bounds := []runtime.TimeBound{runtime.TimeBoundInstrument, runtime.TimeBoundContext}
	tests := []struct {
		fixture string
		count   int   // partition count, selects garbage/bomb behaviour
		cause   error // nil: the call succeeds
		mention string
		recycle bool
	}{
		{"loop", 3, runtime.ErrTimeout, "call stopped after", true},
		{"trap", 3, runtime.ErrTrap, "unreachable", true},
		{"bomb", 2, runtime.ErrTrap, "unreachable", true},
		{"bomb", 1, nil, "", true}, // succeeds past the memory watermark
		{"abort", 3, runtime.ErrTrap, "aborted: hi at a.ts:7:3", true},
		{"garbage", 1, runtime.ErrMalformedOutput, "outside the guest's", false},
		{"garbage", 2, runtime.ErrMalformedOutput, "results for", false},
		{"garbage", 4, runtime.ErrMalformedOutput, "error for record", false},
		{"garbage", 5, runtime.ErrCallFailed, "garbage: gave up", false},
		{"garbage", 6, runtime.ErrCallFailed, "plugin failed", false},
		{"garbage", 7, runtime.ErrMalformedOutput, "trailing bytes", false},
		{"garbage", 8, runtime.ErrMalformedOutput, "results for", false},
	}
	for _, bound := range bounds {
		for _, tt := range tests {
			t.Run(bound.String()+"/"+tt.fixture+"/"+string(rune('0'+tt.count)), func(t *testing.T) {
				timeout := time.Second
				if tt.cause == runtime.ErrTimeout {
					timeout = 30 * time.Millisecond
				}
				for _, onErr := range []runtime.OnError{runtime.OnErrorFail, runtime.OnErrorFallback} {
					p := load(t, runtime.PluginConfig{Name: tt.fixture, Path: fixture(tt.fixture), Kind: runtime.KindPartitioner,
						TimeBound: bound, Timeout: timeout, OnError: onErr, PoolSize: 1, MaxMemoryMB: 4})
					for round := range 2 { // the second round runs on a fresh instance if the first broke it
						msgs := records("a", "b", "c")
						start := time.Now()
						out, errs := partition(p, tt.count, msgs)
						if d := time.Since(start); d > 2*time.Second {
							t.Fatalf("round %d took %v", round, d)
						}
						for i := range msgs {
							switch {
							case tt.cause == nil:
								if errs[i] != nil {
									t.Fatalf("record %d: %v", i, errs[i])
								}
							case onErr == runtime.OnErrorFallback:
								want := int32(kafka.Murmur2Partitioner.Partition("t", msgs[i].Key, nil, tt.count))
								if errs[i] != nil || out[i] != want {
									t.Fatalf("fallback record %d: %d %v, want %d", i, out[i], errs[i], want)
								}
							default:
								var pe *runtime.PluginError
								if !errors.As(errs[i], &pe) || pe.Plugin != tt.fixture || pe.Kind != runtime.KindPartitioner ||
									!errors.Is(errs[i], tt.cause) || !strings.Contains(errs[i].Error(), tt.mention) {
									t.Fatalf("record %d: %v, want %v mentioning %q", i, errs[i], tt.cause, tt.mention)
								}
							}
						}
					}
					st := p.Stats()
					if tt.recycle && st.Recycled < 2 {
						t.Fatalf("stats %+v: want the instance recycled after each call", st)
					}
					if !tt.recycle && st.Recycled != 0 {
						t.Fatalf("stats %+v: want no recycling", st)
					}
				}
			})
		}
	}
}

// Per-record failures leave the batch's other records alone.
func TestOutOfRangeFailsOnlyItsRecords(t *testing.T) {
	for _, onErr := range []runtime.OnError{runtime.OnErrorFail, runtime.OnErrorFallback} {
		p := load(t, runtime.PluginConfig{Name: "oob", Kind: runtime.KindPartitioner, OnError: onErr})
		msgs := records("a", "b", "c", "d", "e")
		out, errs := partition(p, 4, msgs)
		for i := range msgs {
			if i%2 == 0 {
				if errs[i] != nil || out[i] != 0 {
					t.Fatalf("%s: even record %d: %d %v", onErr, i, out[i], errs[i])
				}
				continue
			}
			if onErr == runtime.OnErrorFallback {
				want := int32(kafka.Murmur2Partitioner.Partition("t", msgs[i].Key, nil, 4))
				if errs[i] != nil || out[i] != want {
					t.Fatalf("fallback record %d: %d %v", i, out[i], errs[i])
				}
				continue
			}
			if !errors.Is(errs[i], runtime.ErrPartitionOutOfRange) || !strings.Contains(errs[i].Error(), `"oob"`) ||
				!strings.Contains(errs[i].Error(), "4 for 4 partitions") {
				t.Fatalf("odd record %d: %v", i, errs[i])
			}
		}
		// A plugin-rejected record fails even with fallback.
		good := load(t, runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindPartitioner, OnError: onErr})
		_, errs = partition(good, 4, records("ok", "bad", "fine"))
		if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], runtime.ErrRecordRejected) {
			t.Fatalf("%s: %v", onErr, errs)
		}
	}
}

// Records already failed by an earlier stage are not shown to the plugin.
func TestSkipsFailedRecords(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "trap", Kind: runtime.KindPartitioner})
	msgs := records("a", "b")
	earlier := errors.New("earlier")
	out := []int32{7, 7}
	errs := []error{earlier, earlier}
	p.Partitioner().PartitionRecords("t", msgs, 3, out, errs)
	if errs[0] != earlier || errs[1] != earlier || p.Stats().Calls != 0 {
		t.Fatalf("errs %v, stats %+v", errs, p.Stats())
	}
}
