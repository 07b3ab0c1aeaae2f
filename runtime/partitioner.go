package runtime

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// Partitioner returns the plugin as a kafka.RecordPartitioner. The plugin's
// "no opinion" (-1), and with on_error = "fallback" its failures, go to
// kafka.Murmur2Partitioner: murmur2 of the key for keyed records, -1
// (sticky) for keyless ones. Safe for concurrent use.
//
// Called on a plugin of another kind, every record fails with ErrWrongKind.
func (p *Plugin) Partitioner() kafka.RecordPartitioner {
	return &partitioner{p: p, def: kafka.Murmur2Partitioner}
}

type partitioner struct {
	p   *Plugin
	def kafka.Partitioner
}

// Partition places one record; the producer calls PartitionRecords instead.
// A failed record returns -2, which fails it (without the *PluginError).
func (a *partitioner) Partition(topic string, key, value []byte, partitionCount int) int {
	msgs := []kafka.Message{{Key: key, Value: value}}
	out, errs := []int32{-1}, []error{nil}
	a.PartitionRecords(topic, msgs, partitionCount, out, errs)
	if errs[0] != nil {
		return -2
	}
	return int(out[0])
}

// PartitionRecords implements kafka.RecordPartitioner with one guest call
// per chunk of at most MaxBatchBytes of input. Records whose errs[i] is
// already set are skipped (out[i] = -1), as are records with an explicit
// partition (out[i] = that partition).
func (a *partitioner) PartitionRecords(topic string, msgs []kafka.Message, partitionCount int, out []int32, errs []error) {
	p := a.p
	if p.kind != KindPartitioner {
		failAll(msgs, errs, p.errorf(fmt.Errorf("%w: %s is a %s", ErrWrongKind, p.name, p.kind)))
		return
	}
	for i := range msgs {
		switch {
		case errs[i] != nil:
			out[i] = -1
		case msgs[i].Partition != nil:
			out[i] = *msgs[i].Partition
		}
	}
	c := chunker{p: p}
	defer c.done()
	ch := chunk{topic: topic, count: partitionCount, msgs: msgs, errs: errs, skipExplicit: true}
	for i := 0; i < len(msgs); {
		in, next, err := c.next(&ch, i)
		i = next
		idx := ch.idx
		if len(idx) == 0 {
			break
		}
		var o []byte
		if err == nil {
			o, err = in.roundTrip(in.ops[0], &ch, false)
		}
		var recErrs []abi.RecordError
		if err == nil {
			in.res = growInt32(in.res, len(idx))
			if recErrs, err = abi.DecodePartitionOutput(o, in.res); err != nil {
				p.stats.failures.Add(1)
				err = fmt.Errorf("%w: %v", ErrMalformedOutput, err)
			}
		}
		if err != nil {
			a.fail(topic, msgs, idx, partitionCount, out, errs, err)
			continue
		}
		res := in.res
		for j, r := range res {
			k := idx[j]
			switch {
			case r >= 0 && int(r) < partitionCount:
				out[k] = r
			case r == abi.PartitionNoOpinion:
				out[k] = a.defaultPartition(topic, &msgs[k], partitionCount)
			case r == abi.PartitionError:
				out[k] = -1
				errs[k] = p.errorf(fmt.Errorf("%w: no message", ErrRecordRejected))
			default:
				a.fail(topic, msgs, idx[j:j+1], partitionCount, out, errs,
					fmt.Errorf("%w: %d for %d partitions", ErrPartitionOutOfRange, r, partitionCount))
			}
		}
		for _, e := range recErrs {
			if res[e.Index] == abi.PartitionError {
				errs[idx[e.Index]] = p.errorf(fmt.Errorf("%w: %s", ErrRecordRejected, e.Msg))
			}
		}
	}
}

func (a *partitioner) defaultPartition(topic string, m *kafka.Message, n int) int32 {
	return int32(a.def.Partition(topic, m.Key, m.Value, n))
}

// fail applies the failure policy to the records idx of a failed chunk.
func (a *partitioner) fail(topic string, msgs []kafka.Message, idx []int, n int, out []int32, errs []error, cause error) {
	if a.p.onError == OnErrorFallback {
		for _, k := range idx {
			out[k] = a.defaultPartition(topic, &msgs[k], n)
		}
		return
	}
	err := a.p.errorf(cause)
	for _, k := range idx {
		out[k] = -1
		errs[k] = err
	}
}

func growInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}
