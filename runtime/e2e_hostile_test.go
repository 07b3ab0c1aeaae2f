package runtime_test

// End-to-end tests of containment and the sandbox through the producer:
// TestE2EHostilePluginsContained, TestE2EConcurrentLoadsWarmCache and
// TestE2ESandbox (see e2e_test.go for the shared helpers).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// ---------------------------------------------------------------------------
// Hostile plugins

// e2eStampHeaders are the headers enricher.wat ("stamp" in hostile.toml,
// config host = hostJSON) adds to a record with this key.
func e2eStampHeaders(key []byte, host string) []testkafka.Header {
	return []testkafka.Header{{Key: "x-wasm", Value: []byte("1")}, {Key: "x-key", Value: key}, {Key: "x-host", Value: []byte(strconv.Quote(host))}}
}

type e2eHostile struct {
	topic   string
	parts   int32
	plugin  string // the hostile plugin
	kind    runtime.Kind
	cause   error  // nil: the calls succeed
	mention string // in the error text
	// failing reports whether the i-th record the plugin sees fails (nil:
	// all of them); delivered ones go to partition 0 (the fixtures' choice).
	failing func(i int) bool
	records int // records the plugin sees per Send (default 12)
}

var e2eHostileCases = []e2eHostile{
	{topic: "loop", parts: 6, plugin: "loop", cause: runtime.ErrTimeout, mention: "call stopped after"},
	{topic: "bomb", parts: 6, plugin: "bomb", cause: runtime.ErrTrap, mention: "unreachable"},
	{topic: "bomb-1", parts: 1, plugin: "bomb"}, // returns past the memory watermark: recycled, records placed
	{topic: "trap", parts: 6, plugin: "trap", cause: runtime.ErrTrap, mention: "unreachable"},
	{topic: "garbage-1", parts: 1, plugin: "garbage", cause: runtime.ErrMalformedOutput, mention: "outside the guest's"},
	{topic: "garbage-2", parts: 2, plugin: "garbage", cause: runtime.ErrMalformedOutput, mention: "results for"},
	{topic: "garbage-3", parts: 3, plugin: "garbage", cause: runtime.ErrPartitionOutOfRange, mention: "-7 for 3 partitions",
		failing: func(i int) bool { return i == 0 }},
	{topic: "garbage-4", parts: 4, plugin: "garbage", cause: runtime.ErrMalformedOutput, mention: "error for record"},
	{topic: "garbage-5", parts: 5, plugin: "garbage", cause: runtime.ErrCallFailed, mention: "garbage: gave up"},
	{topic: "garbage-6", parts: 6, plugin: "garbage", cause: runtime.ErrCallFailed, mention: "plugin failed"},
	{topic: "garbage-7", parts: 7, plugin: "garbage", cause: runtime.ErrMalformedOutput, mention: "trailing bytes"},
	{topic: "garbage-8", parts: 8, plugin: "garbage", cause: runtime.ErrMalformedOutput, mention: "results for"},
	{topic: "oob", parts: 6, plugin: "oob", cause: runtime.ErrPartitionOutOfRange, mention: "6 for 6 partitions",
		failing: func(i int) bool { return i%2 == 1 }},
	// The 1 MiB enricher cannot take 3000 records at once: it traps.
	{topic: "tiny", parts: 6, plugin: "tiny-enricher", kind: runtime.KindEnricher, cause: runtime.ErrTrap, mention: "unreachable", records: 3000},
}

// e2eWant is what a delivered record must look like.
type e2eWant struct {
	partition int32 // -1: any (sticky)
	value     []byte
	headers   []testkafka.Header
}

// TestE2EHostilePluginsContained runs every hostile fixture in a producer's
// chain (testdata/e2e/hostile.toml: prefix codec → stamp enricher → the
// fixture) against kfake, through one producer that must keep working
// throughout. With on_error = "fail" the records the fixture handles fail
// with a *runtime.PluginError naming it and the cause, and the other
// records of the same Send (explicit partitions, which skip the
// partitioner; the records a per-record failure spares) are delivered;
// records the codec or enricher reject on purpose fail with their own
// PluginError. With on_error = "fallback" every record is delivered: by
// the default partitioner (murmur2 of the key) where the fixture failed,
// without the failed enricher's headers.
func TestE2EHostilePluginsContained(t *testing.T) {
	for _, mode := range []runtime.OnError{runtime.OnErrorFail, runtime.OnErrorFallback} {
		t.Run(string(mode), func(t *testing.T) {
			cfg, base := e2eConfig(t, "hostile.toml", nil)
			if mode == runtime.OnErrorFallback {
				for name, p := range cfg.Plugins {
					if p.Kind != string(runtime.KindCodec) {
						p.OnError = string(runtime.OnErrorFallback)
						cfg.Plugins[name] = p
					}
				}
			}
			_, addrs := testkafka.StartKfake(t, 1)
			for _, c := range e2eHostileCases {
				testkafka.CreateTopic(t, addrs, c.topic, c.parts, nil)
			}
			testkafka.CreateTopic(t, addrs, "plain", 3, nil)
			pl := e2eBuild(t, cfg, base)
			prod := e2eProducer(t, addrs, pl)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			wants := map[string]map[string]e2eWant{} // topic → key → record
			for _, c := range e2eHostileCases {
				wants[c.topic] = map[string]e2eWant{}
				before := pl.Plugin(c.plugin).Stats()
				for round := range 2 { // the second round runs on a fresh instance if the first broke one
					e2eHostileRound(t, ctx, prod, c, mode, round, wants[c.topic])
				}
				after := pl.Plugin(c.plugin).Stats()
				t.Logf("%s (%s): stats delta: %d calls, %d timeouts, %d traps, %d failures, %d recycled",
					c.topic, c.plugin, after.Calls-before.Calls, after.Timeouts-before.Timeouts, after.Traps-before.Traps,
					after.Failures-before.Failures, after.Recycled-before.Recycled)
				// A trap, a timeout or memory past the watermark discards the
				// instance: once per failing round.
				wantRecycled := uint64(0)
				switch {
				case c.kind == runtime.KindEnricher:
					wantRecycled = 1 // only the first round fails
				case errors.Is(c.cause, runtime.ErrTrap), errors.Is(c.cause, runtime.ErrTimeout), c.topic == "bomb-1":
					wantRecycled = 2
				}
				if got := after.Recycled - before.Recycled; got < wantRecycled {
					t.Errorf("%s: %d instances recycled in 2 rounds, want %d", c.topic, got, wantRecycled)
				}
			}

			// The producer still works, on a topic without hostile plugins.
			plain := map[string]e2eWant{}
			var msgs []kafka.Message
			for i := range 10 {
				key := fmt.Appendf(nil, "plain-%d", i)
				msgs = append(msgs, kafka.Message{Key: key, Value: []byte("v")})
				plain[string(key)] = e2eWant{partition: int32(kafka.Murmur2Partitioner.Partition("plain", key, nil, 3)),
					value: []byte("\x01v"), headers: e2eStampHeaders(key, "e2e")}
			}
			if _, err := prod.Send(ctx, "plain", msgs...); err != nil {
				t.Fatalf("plain topic after the hostile ones: %v", err)
			}
			wants["plain"] = plain

			for topic, want := range wants {
				e2eCheckTopic(t, addrs, topic, want)
			}
		})
	}
}

// e2eHostileRound sends one Send's worth of records to c.topic and checks
// the results; the delivered records are added to want.
func e2eHostileRound(t *testing.T, ctx context.Context, prod *kafka.Producer, c e2eHostile, mode runtime.OnError, round int, want map[string]e2eWant) {
	t.Helper()
	n := c.records
	if n == 0 {
		n = 12
	}
	var msgs []kafka.Message
	key := func(i int) []byte { return fmt.Appendf(nil, "%s-r%d-%d", c.topic, round, i) }
	for i := range n { // handled by the hostile plugin, in this order
		msgs = append(msgs, kafka.Message{Key: key(i), Value: fmt.Appendf(nil, "v%d", i)})
	}
	explicit := len(msgs)
	for i := range 3 { // explicit partitions: the partitioner does not see them
		msgs = append(msgs, kafka.Message{Key: key(n + i), Value: []byte("explicit"), Partition: new(int32(c.parts - 1))})
	}
	badKey, badValue := -1, -1
	if mode == runtime.OnErrorFail {
		// Rejected on purpose by the well-behaved stages (even with fallback
		// they would fail; kept to the fail mode so that fallback delivers all).
		badKey = len(msgs)
		msgs = append(msgs, kafka.Message{Key: []byte("bad"), Value: []byte("v")})
		badValue = len(msgs)
		msgs = append(msgs, kafka.Message{Key: key(n + 3), Value: []byte("bad")})
	}
	if c.kind == runtime.KindEnricher && round == 1 {
		msgs, explicit = msgs[:10], 10 // small enough for the enricher: this one succeeds
	}
	start := time.Now()
	res, _ := prod.Send(ctx, c.topic, msgs...)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%s round %d: Send took %v", c.topic, round, d)
	}
	if len(res) != len(msgs) {
		t.Fatalf("%s round %d: %d results for %d records (ctx: %v)", c.topic, round, len(res), len(msgs), ctx.Err())
	}
	checkErr := func(i int, err error, plugin string, kind runtime.Kind, cause error, mention string) {
		t.Helper()
		var pe *runtime.PluginError
		if !errors.As(err, &pe) || pe.Plugin != plugin || pe.Kind != kind || !errors.Is(err, cause) ||
			!strings.Contains(err.Error(), fmt.Sprintf("plugin %q", plugin)) || !strings.Contains(err.Error(), cause.Error()) ||
			!strings.Contains(err.Error(), mention) {
			t.Errorf("%s round %d record %d: error %v; want a *PluginError of %s %q, cause %q, mentioning %q",
				c.topic, round, i, err, kind, plugin, cause, mention)
		}
	}
	enricherFails := c.kind == runtime.KindEnricher && round == 0 && c.cause != nil
	stamp := func(k []byte) []testkafka.Header {
		h := e2eStampHeaders(k, "e2e")
		if c.kind == runtime.KindEnricher && !enricherFails {
			h = append(h, e2eStampHeaders(k, "tiny")...)
		}
		return h
	}
	for i, r := range res {
		m := msgs[i]
		switch {
		case i == badKey:
			checkErr(i, r.Err, "stamp", runtime.KindEnricher, runtime.ErrRecordRejected, "rejected key")
			continue
		case i == badValue:
			checkErr(i, r.Err, "prefix-codec", runtime.KindCodec, runtime.ErrRecordRejected, "rejected value")
			continue
		}
		fails := c.cause != nil && (c.kind == runtime.KindEnricher && enricherFails ||
			c.kind != runtime.KindEnricher && i < explicit && (c.failing == nil || c.failing(i)))
		if fails && mode == runtime.OnErrorFail {
			kind := c.kind
			if kind == "" {
				kind = runtime.KindPartitioner
			}
			checkErr(i, r.Err, c.plugin, kind, c.cause, c.mention)
			continue
		}
		if r.Err != nil {
			t.Errorf("%s round %d record %d (%s): %v", c.topic, round, i, m.Key, r.Err)
			continue
		}
		var part int32
		switch {
		case m.Partition != nil:
			part = *m.Partition
		case c.kind == runtime.KindEnricher: // no partitioner: murmur2
			part = int32(kafka.Murmur2Partitioner.Partition(c.topic, m.Key, nil, int(c.parts)))
		case fails: // fallback: the default partitioner
			part = int32(kafka.Murmur2Partitioner.Partition(c.topic, m.Key, nil, int(c.parts)))
		default: // the fixtures' own choice (0, or "no opinion" with 1 partition)
			part = 0
		}
		if r.Partition != part {
			t.Errorf("%s round %d record %d: partition %d, want %d", c.topic, round, i, r.Partition, part)
		}
		want[string(m.Key)] = e2eWant{partition: part, value: append([]byte{1}, m.Value...), headers: stamp(m.Key)}
	}
}

// e2eCheckTopic reads topic back with franz-go and checks that it holds
// exactly the records of want (by key).
func e2eCheckTopic(t *testing.T, brokers []string, topic string, want map[string]e2eWant) {
	t.Helper()
	got := testkafka.ReadAll(t, brokers, topic, len(want), 30*time.Second, testkafka.QuietPeriod(100*time.Millisecond))
	if len(got) != len(want) {
		t.Errorf("%s: read %d records, want %d", topic, len(got), len(want))
	}
	seen := map[string]bool{}
	for _, g := range got {
		w, ok := want[string(g.Key)]
		if !ok || seen[string(g.Key)] {
			t.Errorf("%s: unexpected record %s", topic, g)
			continue
		}
		seen[string(g.Key)] = true
		if w.partition >= 0 && g.Partition != w.partition {
			t.Errorf("%s: record %q in partition %d, want %d", topic, g.Key, g.Partition, w.partition)
		}
		if !bytes.Equal(g.Value, w.value) {
			t.Errorf("%s: record %q value %q, want %q", topic, g.Key, g.Value, w.value)
		}
		if d := e2eHeadersDiff(g.Headers, w.headers); d != "" {
			t.Errorf("%s: record %q: %s", topic, g.Key, d)
		}
	}
}

func e2eHeadersDiff(got, want []testkafka.Header) string {
	if len(got) != len(want) {
		return fmt.Sprintf("headers %v, want %v", got, want)
	}
	for i := range got {
		if got[i].Key != want[i].Key || !bytes.Equal(got[i].Value, want[i].Value) || (got[i].Value == nil) != (want[i].Value == nil) {
			return fmt.Sprintf("header %d: %s=%q, want %s=%q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Concurrent loads from a warm on-disk compilation cache

// TestE2EConcurrentLoadsWarmCache: a Runtime on a compilation cache
// directory that a previous process filled (the default: os.UserCacheDir)
// loads the same module from several goroutines at once, as Build does for
// the two header-enrichers of chain-*.toml (and as any callers of Load
// may: a Runtime is safe for concurrent use). It runs in a child process
// because the failure it looks for is a panic in a wazero goroutine
// (wazero v1.12.0 publishes a module read from the file cache before its
// entry preambles are compiled: wazero/wazero#2547), which would kill the
// whole test binary.
func TestE2EConcurrentLoadsWarmCache(t *testing.T) {
	const child = "KAFKAWASM_E2E_CHILD"
	if os.Getenv(child) == t.Name() {
		e2eConcurrentLoads(t)
		return
	}
	e2eConfig(t, "chain-as.toml", nil) // skip, or fail in CI, without the plugins
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), child+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		if len(out) > 4000 {
			out = out[:4000]
		}
		t.Fatalf("concurrent loads of one module from a warm compilation cache: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("child process did not run the test:\n%s", out)
	}
}

// e2eConcurrentLoads: on one warm cache directory, 30 rounds of a fresh
// Runtime loading the enricher of chain-as.toml from 4 goroutines, then of
// another fresh Runtime building chain-as.toml (whose trace and audit
// plugins share that module).
func e2eConcurrentLoads(t *testing.T) {
	cfg, base := e2eConfig(t, "chain-as.toml", nil)
	pc, err := cfg.PluginConfig("trace", base)
	if err != nil {
		t.Fatal(err)
	}
	pc.Logger = e2eQuiet()
	dir := t.TempDir()
	ctx := context.Background()
	newRT := func() *runtime.Runtime {
		rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: dir, Logger: e2eQuiet()})
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	rt := newRT() // fill the cache
	p, err := rt.Load(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
	rt.Close(ctx)
	for round := range 30 {
		rt := newRT()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				p, err := rt.Load(ctx, pc)
				if err != nil {
					t.Errorf("round %d: Load: %v", round, err)
					return
				}
				p.Close(ctx)
			})
		}
		wg.Wait()
		rt.Close(ctx)

		rt = newRT()
		pl, err := rt.Build(ctx, cfg, base)
		if err != nil {
			t.Fatalf("round %d: Build: %v", round, err)
		}
		pl.Close(ctx)
		rt.Close(ctx)
	}
}

// ---------------------------------------------------------------------------
// Sandbox

// WASI errno values (wasi_snapshot_preview1) the probes may report.
const (
	e2eErrnoBADF  = 8
	e2eErrnoNOSYS = 52
)

// TestE2ESandbox runs the sandbox probes (plugins/testdata/hostile/
// *_probe.wat, as partitioners whose partition is what they got) through
// the producer (testdata/e2e/sandbox.toml, kfake) and reads the records
// back: the filesystem probes all get an errno (EBADF: no preopened
// directory), the environment probe sees no variable and no argument even
// though the process has some, the socket probe gets an errno; a module
// importing a socket function WASI preview 1 lacks is refused by Build.
func TestE2ESandbox(t *testing.T) {
	t.Setenv("KAFKAWASM_E2E_SECRET", "hunter2")
	cfg, base := e2eConfig(t, "sandbox.toml", nil)
	_, addrs := testkafka.StartKfake(t, 1)
	const parts = 100 // room for any errno as a partition
	for _, topic := range []string{"fs", "env", "sock"} {
		testkafka.CreateTopic(t, addrs, topic, parts, nil)
	}
	pl := e2eBuild(t, cfg, base)
	prod := e2eProducer(t, addrs, pl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	send := func(topic string, n int) (map[string]e2eWant, []kafka.SendResult) {
		t.Helper()
		var msgs []kafka.Message
		for i := range n {
			msgs = append(msgs, kafka.Message{Key: fmt.Appendf(nil, "%s-%d", topic, i), Value: []byte("probe")})
		}
		res, err := prod.Send(ctx, topic, msgs...)
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		want := map[string]e2eWant{}
		for i, r := range res {
			want[string(msgs[i].Key)] = e2eWant{partition: r.Partition, value: []byte("probe"), headers: e2eStampHeaders(msgs[i].Key, "sandbox")}
		}
		return want, res
	}

	// Record i gets the errno of probe i mod 4: path_open of a file under
	// fd 3, fd_prestat_get(3), path_open of "." under fd 3, path_open of
	// /etc/passwd under stdin. 0 would be success.
	fsWant, res := send("fs", 8)
	for i, r := range res {
		if r.Partition == 0 {
			t.Errorf("fs probe %d succeeded: the guest reached the filesystem", i%4)
		}
		if i%4 < 3 && r.Partition != e2eErrnoBADF {
			t.Errorf("fs probe %d: errno %d, want EBADF (%d): no preopened directory", i%4, r.Partition, e2eErrnoBADF)
		}
	}
	e2eCheckTopic(t, addrs, "fs", fsWant)

	// Every record gets (environ count + bytes + argc + argv bytes).
	envWant, res := send("env", 4)
	for i, r := range res {
		if r.Partition != 0 {
			t.Errorf("env probe record %d: %d bytes of environment/arguments visible, want 0", i, r.Partition)
		}
	}
	e2eCheckTopic(t, addrs, "env", envWant)

	sockWant, res := send("sock", 4)
	for i, r := range res {
		if r.Partition != e2eErrnoBADF && r.Partition != e2eErrnoNOSYS {
			t.Errorf("sock_accept record %d: errno %d, want EBADF or ENOSYS", i, r.Partition)
		}
	}
	e2eCheckTopic(t, addrs, "sock", sockWant)

	// No way to open a socket: sock_open is not provided, Build refuses it.
	cfg, base = e2eConfig(t, "sandbox-sock-import.toml", nil)
	_, err := e2eRuntime(t).Build(ctx, cfg, base)
	var pe *runtime.PluginError
	if !errors.As(err, &pe) || pe.Plugin != "sock_import" || !errors.Is(err, runtime.ErrUnknownImport) ||
		!strings.Contains(err.Error(), "sock_open") {
		t.Fatalf("Build with sock_import: %v, want ErrUnknownImport naming the plugin and sock_open", err)
	}
}
