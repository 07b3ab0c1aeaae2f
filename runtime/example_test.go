package runtime_test

import (
	"context"
	"fmt"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

func ExampleLoad() {
	ctx := context.Background()
	p, err := runtime.Load(ctx, runtime.PluginConfig{
		Name: "by-key",
		Kind: runtime.KindPartitioner,
		Path: "../plugins/testdata/hostile/partitioner.wasm",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	msgs := []kafka.Message{{Key: []byte("alice")}, {Key: []byte("bad")}, {Key: nil}}
	out := make([]int32, len(msgs))
	errs := make([]error, len(msgs))
	p.Partitioner().PartitionRecords("orders", msgs, 6, out, errs)
	for i := range msgs {
		fmt.Println(out[i], errs[i])
	}
	// Output:
	// 5 <nil>
	// -1 kafkawasm: plugin "by-key" (partitioner): record rejected: rejected key
	// -1 <nil>
}

func ExampleParseConfig() {
	cfg, err := runtime.ParseConfig("producer.toml", []byte(`
[plugins.by-key]
kind = "partitioner"
path = "partitioner.wasm"
timout_ms = 20
`))
	fmt.Println(cfg == nil, err)
	// Output:
	// true kafkawasm: producer.toml:5:1: plugins.by-key.timout_ms: unknown key
}
