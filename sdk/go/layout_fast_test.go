package sdk

import (
	"reflect"
	"testing"
)

// FuzzBatchParseFast: the straight-line decoder accepts exactly what the
// reader-based one accepts, with the same records (and the same Batch when
// both are reused across inputs).
func FuzzBatchParseFast(f *testing.F) {
	f.Add(AppendBatchInput(nil, "t", 3, []Record{
		{Key: []byte("k"), Value: []byte("v"), Headers: []Header{{Key: "h"}, {Key: "region", Value: []byte("eu")}}},
		{Key: nil, Value: []byte{}},
	}))
	f.Add(AppendBatchInput(nil, "", 0, nil))
	var fast, slow Batch
	f.Fuzz(func(t *testing.T, in []byte) {
		ok := fast.parseFast(in)
		err := slow.parse(in)
		if ok != (err == nil) {
			t.Fatalf("%x: parseFast %v, parse %v", in, ok, err)
		}
		if !ok {
			return
		}
		if fast.Topic != slow.Topic || fast.PartitionCount != slow.PartitionCount ||
			len(fast.Records) != len(slow.Records) {
			t.Fatalf("%x: batches differ", in)
		}
		for i := range fast.Records {
			a, b := fast.Records[i], slow.Records[i]
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%x: record %d: fast %+v, slow %+v", in, i, a, b)
			}
		}
	})
}
