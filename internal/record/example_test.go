package record_test

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/compress"
	"github.com/kafkawasm/kafkawasm/internal/record"
)

func ExampleBuilder() {
	var b record.Builder
	b.Reset(1700000000000)
	b.Append(1700000000000, []byte("user-1"), []byte(`{"event":"login"}`), nil)
	b.Append(1700000000042, nil, []byte(`{"event":"logout"}`), []record.Header{{Key: "trace", Value: []byte("abc")}})
	fmt.Println("records:", b.Count(), "uncompressed size:", b.Size())

	batch, err := b.Finish(nil, record.BatchOptions{
		Codec: compress.LZ4(), CodecID: compress.IDLZ4,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, // not idempotent
	})
	if err != nil {
		panic(err)
	}

	batches, err := record.DecodeBatches(batch, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range batches[0].Records {
		fmt.Printf("offset %d ts %d key %q value %s headers %d\n", r.Offset, r.Timestamp, r.Key, r.Value, len(r.Headers))
	}
	// Output:
	// records: 2 uncompressed size: 126
	// offset 0 ts 1700000000000 key "user-1" value {"event":"login"} headers 0
	// offset 1 ts 1700000000042 key "" value {"event":"logout"} headers 1
}
