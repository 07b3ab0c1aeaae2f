package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/input"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// benchBatchSizes are the batch sizes `plugin bench` measures.
var benchBatchSizes = []int{1, 16, 256}

func runPluginBench(env Env, args []string) int {
	var pf pluginFlags
	var records string
	var dur time.Duration
	var partitions int
	f := newFlags(&command{name: "plugin bench", usage: "plugin bench PLUGIN.wasm [--config JSON] [--records FILE.jsonl]",
		long: "Measures the plugin through the runtime (as the producer calls it) for batches of 1, 16 and 256\n" +
			"records and prints ns/record and records/s for each. Records come from --records (jsonl, the\n" +
			"produce format) or are synthetic: key \"user-N\", a small JSON order value, a \"region\" header.",
		examples: `kafkawasm plugin bench plugins/header-enricher/header-enricher.wasm
kafkawasm plugin bench plugins/json-codec/json-codec.wasm --config '{"required":["id"]}'
kafkawasm plugin bench plugins/region-partitioner/region-partitioner.wasm --config '{"header":"region","regions":["eu","us","ap"]}'`})
	pf.define(f)
	f.String(&records, "records", "", "FILE", "jsonl file of sample records (default: synthetic)")
	f.Duration(&dur, "duration", time.Second, "time spent on each batch size")
	f.Int(&partitions, "partitions", 12, "N", "partition count given to a partitioner")
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return usageError(env, "plugin bench", "want exactly one PLUGIN.wasm")
	}
	cfg, err := pf.configTable()
	if err != nil {
		return usageError(env, "plugin bench", "%v", err)
	}
	sample, err := benchRecords(records)
	if err != nil {
		return usageError(env, "plugin bench", "%v", err)
	}
	ctx := context.Background()
	rt, p, _, err := openPlugin(ctx, pos[0], pf, cfg, log)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kafkawasm plugin bench: %s: %v\n", pos[0], err)
		return exitCode(err)
	}
	defer rt.Close(ctx)
	defer p.Close(ctx)
	fmt.Fprintf(env.Stdout, "%s (%s), %d sample records, %v per batch size\n", pos[0], p.Kind(), len(sample), dur)
	fmt.Fprintf(env.Stdout, "%-6s %12s %14s %8s\n", "batch", "ns/record", "records/s", "failed")
	for _, n := range benchBatchSizes {
		nsPer, failed := benchOne(p, sample, n, partitions, dur)
		fmt.Fprintf(env.Stdout, "%-6d %12.0f %14.0f %8d\n", n, nsPer, 1e9/nsPer, failed)
	}
	return ExitOK
}

// benchOne calls the plugin with batches of n records for about dur and
// returns ns/record and how many records it failed.
func benchOne(p *runtime.Plugin, sample []kafka.Message, n, partitions int, dur time.Duration) (float64, int) {
	batch := make([]kafka.Message, n)
	work := make([]kafka.Message, n)
	for i := range batch {
		batch[i] = sample[i%len(sample)]
	}
	errs := make([]error, n)
	out := make([]int32, n)
	var call func()
	switch p.Kind() {
	case runtime.KindPartitioner:
		rp := p.Partitioner()
		call = func() { rp.PartitionRecords("bench", work, partitions, out, errs) }
	case runtime.KindCodec:
		ic := p.ValueCodec()
		call = func() { ic.Intercept("bench", work, errs) }
	default:
		ic := p.Interceptor()
		call = func() { ic.Intercept("bench", work, errs) }
	}
	reset := func() {
		copy(work, batch)
		clear(errs)
	}
	reset()
	call() // warm up the pool's instance
	records, failed := 0, 0
	var spent time.Duration
	for spent < dur {
		reset()
		start := time.Now()
		call()
		spent += time.Since(start)
		records += n
		for _, e := range errs {
			if e != nil {
				failed++
			}
		}
	}
	return float64(spent.Nanoseconds()) / float64(records), failed
}

// benchRecords loads sample records from a jsonl file, or makes some.
func benchRecords(path string) ([]kafka.Message, error) {
	if path == "" {
		regions := []string{"eu", "us", "ap"}
		out := make([]kafka.Message, 256)
		for i := range out {
			r := regions[i%3]
			out[i] = kafka.Message{
				Key:     []byte("user-" + strconv.Itoa(i)),
				Value:   []byte(fmt.Sprintf(`{"id":"o-%d","total":%d.5,"region":%q,"items":["a","b"]}`, i, i, r)),
				Headers: []kafka.Header{{Key: "region", Value: []byte(r)}},
			}
		}
		return out, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	rd := input.NewReader(fh)
	var out []kafka.Message
	for {
		line, n, err := rd.Next()
		if err != nil {
			break
		}
		rec, perr := input.ParseJSONL(append([]byte(nil), line...), nil)
		if perr != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, perr)
		}
		out = append(out, kafka.Message{Key: rec.Key, Value: rec.Value, Headers: rec.Headers})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return out, nil
}
