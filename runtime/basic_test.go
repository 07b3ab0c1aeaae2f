package runtime_test

import (
	"errors"
	"hash/fnv"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

func fnvPartition(key []byte, n int) int32 {
	h := fnv.New32a()
	h.Write(key)
	return int32(h.Sum32() % uint32(n))
}

func TestPartitionerWellBehaved(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindPartitioner})
	msgs := []kafka.Message{
		{Key: []byte("alpha"), Value: []byte("v"), Headers: []kafka.Header{{Key: "h", Value: []byte("x")}, {Key: "n"}}},
		{Key: nil, Value: []byte("keyless")},
		{Key: []byte("bad")},
		{Key: []byte("beta"), Partition: new(int32(5))},
		{Key: []byte("gamma")},
	}
	out := make([]int32, len(msgs))
	errs := make([]error, len(msgs))
	p.Partitioner().PartitionRecords("orders", msgs, 7, out, errs)
	if errs[0] != nil || out[0] != fnvPartition([]byte("alpha"), 7) {
		t.Errorf("record 0: %d %v", out[0], errs[0])
	}
	if errs[1] != nil || out[1] != -1 {
		t.Errorf("keyless: %d %v", out[1], errs[1])
	}
	var pe *runtime.PluginError
	if !errors.As(errs[2], &pe) || pe.Plugin != "partitioner" || !errors.Is(errs[2], runtime.ErrRecordRejected) {
		t.Errorf("bad key: %v", errs[2])
	} else if got := errs[2].Error(); got != `kafkawasm: plugin "partitioner" (partitioner): record rejected: rejected key` {
		t.Errorf("message %q", got)
	}
	if out[3] != 5 || errs[3] != nil {
		t.Errorf("explicit partition: %d %v", out[3], errs[3])
	}
	if errs[4] != nil || out[4] != fnvPartition([]byte("gamma"), 7) {
		t.Errorf("record 4: %d %v", out[4], errs[4])
	}
	if got := p.Partitioner().Partition("t", []byte("alpha"), nil, 7); got != int(fnvPartition([]byte("alpha"), 7)) {
		t.Errorf("Partition = %d", got)
	}
}
