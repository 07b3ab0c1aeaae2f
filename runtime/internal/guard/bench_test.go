package guard_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/runtime/internal/guard"
)

// BenchmarkGuestPartition runs the WAT partitioner's kw_partition over 256
// records, with and without instrumentation, without the host's encoding.
func BenchmarkGuestPartition(b *testing.B) {
	bin, err := os.ReadFile(filepath.Join(fixtures, "partitioner.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	inst, err := guard.Instrument(bin)
	if err != nil {
		b.Fatal(err)
	}
	var input []byte
	le := binary.LittleEndian
	input = le.AppendUint32(input, 6)
	input = append(input, "orders"...)
	input = le.AppendUint32(input, 12)
	input = le.AppendUint32(input, 256)
	for i := range 256 {
		k := fmt.Sprintf("customer-%08d", i)
		input = le.AppendUint32(input, uint32(len(k)))
		input = append(input, k...)
		input = le.AppendUint32(input, 100)
		input = append(input, make([]byte, 100)...)
		input = le.AppendUint32(input, 0)
	}
	for _, v := range []struct {
		name string
		bin  []byte
	}{{"plain", bin}, {"instrumented", inst}} {
		b.Run(v.name, func(b *testing.B) {
			ctx := context.Background()
			r := newRuntime(b)
			mod, err := r.InstantiateWithConfig(ctx, v.bin, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				b.Fatal(err)
			}
			in, op := mod.ExportedFunction("kw_input"), mod.ExportedFunction("kw_partition")
			stack := []uint64{uint64(len(input))}
			in.CallWithStack(ctx, stack)
			mod.Memory().Write(uint32(stack[0]), input)
			var _ api.Function = op
			for b.Loop() {
				stack[0] = uint64(len(input))
				if err := op.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/record")
		})
	}
}
