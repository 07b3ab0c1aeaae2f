package sdk_test

import (
	"bytes"
	"fmt"
	"testing"

	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
)

func ExampleBatch_Parse() {
	in := sdk.AppendBatchInput(nil, "orders", 6, []sdk.Record{
		{Key: []byte("k1"), Value: []byte(`{"region":"eu"}`), Headers: []sdk.Header{{Key: "region", Value: []byte("eu")}}},
		{Key: nil, Value: nil},
	})
	var b sdk.Batch
	if err := b.Parse(in); err != nil {
		panic(err)
	}
	for _, r := range b.Records {
		region, _ := r.Header("region")
		fmt.Printf("topic=%s key=%q null=%v region=%q\n", r.Topic, r.Key, r.Key == nil, region)
	}
	// Output:
	// topic=orders key="k1" null=false region="eu"
	// topic=orders key="" null=true region=""
}

// FuzzLayouts checks that no input makes the decoders panic, and that what
// Batch.Parse accepts re-encodes to the same bytes.
func FuzzLayouts(f *testing.F) {
	f.Add(sdk.AppendBatchInput(nil, "t", 3, []sdk.Record{{Key: []byte("k"), Headers: []sdk.Header{{Key: "h"}}}}))
	f.Add(sdk.AppendCodecInput(nil, "t", [][]byte{nil, {}, []byte("x")}))
	f.Fuzz(func(t *testing.T, in []byte) {
		var b sdk.Batch
		if b.Parse(in) == nil {
			if out := sdk.AppendBatchInput(nil, b.Topic, b.PartitionCount, b.Records); !bytes.Equal(out, in) {
				t.Fatalf("re-encoding differs: %x -> %x", in, out)
			}
		}
		var c sdk.CodecInput
		_ = c.Parse(in)
		for n := 0; n < 3; n++ {
			_, _ = sdk.ParsePartitionOutput(in, n)
			_, _ = sdk.ParseCodecOutput(in, n)
			_, _ = sdk.ParseEnrichOutput(in, n)
		}
	})
}
