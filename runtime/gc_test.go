package runtime_test

import (
	"context"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// TestGuestGarbageIsCollected runs many batches through each
// AssemblyScript example plugin with a small memory cap. The SDK collects
// the previous call's garbage when the host calls kw_input (the plugins are
// built with --runtime minimal), so an instance's memory stays bounded: no
// instance is ever recycled for growing past the watermark (3 of 4 MiB).
// The "codec-rejects" case makes garbage on purpose (an error message per
// record, ~30 MB in all): without collection it recycles instances.
func TestGuestGarbageIsCollected(t *testing.T) {
	src := e2eBenchMessages()
	encoded := make([]kafka.Message, len(src))
	copy(encoded, src)
	native := e2eNativeChain()
	native.ics[0].Intercept("orders", encoded, make([]error, len(encoded)))
	rejects := make([]kafka.Message, 256)
	for i := range rejects {
		rejects[i] = kafka.Message{Value: []byte(`[1,2,3]`)}
	}
	for _, name := range []string{"region", "orders-codec", "audit", "codec-rejects"} {
		t.Run(name, func(t *testing.T) {
			cfg, base := e2eConfig(t, "chain-as.toml", nil)
			plugin := name
			if name == "codec-rejects" {
				plugin = "orders-codec"
			}
			pc, err := cfg.PluginConfig(plugin, base)
			if err != nil {
				t.Fatal(err)
			}
			pc.Logger = e2eQuiet()
			pc.MaxMemoryMB = 4
			p, err := e2eRuntime(t).Load(context.Background(), pc)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			in := encoded
			run := func(msgs []kafka.Message, errs []error) { p.Interceptor().Intercept("orders", msgs, errs) }
			switch name {
			case "region":
				part := p.Partitioner()
				run = func(msgs []kafka.Message, errs []error) {
					part.PartitionRecords("orders", msgs, 6, make([]int32, len(msgs)), errs)
				}
			case "orders-codec":
				in = src
			case "codec-rejects":
				in = rejects
			}
			const batches = 1500 // 384,000 records, ~130 MB of values
			msgs := make([]kafka.Message, 256)
			errs := make([]error, 256)
			for b := range batches {
				for j := range msgs {
					msgs[j] = in[(b*256+j)%len(in)]
				}
				clear(errs)
				run(msgs, errs)
				for i, err := range errs {
					if (err != nil) != (name == "codec-rejects") {
						t.Fatalf("batch %d record %d: %v", b, i, err)
					}
				}
			}
			if st := p.Stats(); st.Recycled != 0 || st.Records < batches*256 {
				t.Fatalf("stats %+v: want %d records and no instance recycled (garbage not collected)", st, batches*256)
			}
		})
	}
}
