package guard_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/kafkawasm/kafkawasm/runtime/internal/guard"
)

const fixtures = "../../../plugins/testdata/hostile"

func newRuntime(t testing.TB) wazero.Runtime {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	// Stubs for the kafkawasm and env imports of the fixtures.
	stub := func(string) api.GoModuleFunc { return func(context.Context, api.Module, []uint64) {} }
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	b := r.NewHostModuleBuilder("kafkawasm")
	for _, f := range []struct {
		name    string
		params  []api.ValueType
		results []api.ValueType
	}{
		{"set_error", []api.ValueType{i32, i32}, nil},
		{"log", []api.ValueType{i32, i32, i32}, nil},
		{"config_get", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
		{"now_unix_nanos", nil, []api.ValueType{i64}},
		{"monotonic_nanos", nil, []api.ValueType{i64}},
		{"random_fill", []api.ValueType{i32, i32}, nil},
	} {
		b.NewFunctionBuilder().WithGoModuleFunction(stub(f.name), f.params, f.results).Export(f.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithGoModuleFunction(stub("abort"), []api.ValueType{i32, i32, i32, i32}, nil).Export("abort").
		Instantiate(ctx)
	return r
}

func TestInstrumentAllFixturesCompile(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.wasm"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	r := newRuntime(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			bin, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := guard.Instrument(bin)
			if err != nil {
				t.Fatal(err)
			}
			cm, err := r.CompileModule(context.Background(), out)
			if err != nil {
				t.Fatalf("instrumented module does not compile: %v", err)
			}
			defer cm.Close(context.Background())
			if _, ok := cm.ExportedFunctions()["kw_abi_version"]; !ok {
				t.Fatal("exports lost")
			}
		})
	}
}

func TestStopInterruptsLoop(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join(fixtures, "loop.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := guard.Instrument(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := newRuntime(t)
	mod, err := r.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	stop := mod.ExportedGlobal(guard.StopExport).(api.MutableGlobal)
	// Force garbage collections while the guest spins: without the periodic
	// exit to Go, a stop-the-world would wait for the guest forever.
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		for range 20 {
			goruntime.GC()
			time.Sleep(time.Millisecond)
		}
	}()
	go func() {
		time.Sleep(30 * time.Millisecond)
		stop.Set(1)
	}()
	start := time.Now()
	_, err = mod.ExportedFunction("kw_partition").Call(ctx, 0)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("err = %v, want an unreachable trap", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v to stop", d)
	}
	<-gcDone
}

func TestInstrumentPreservesResults(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join(fixtures, "partitioner.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := guard.Instrument(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := newRuntime(t)
	input := []byte{1, 0, 0, 0, 't', 7, 0, 0, 0, 2, 0, 0, 0,
		3, 0, 0, 0, 'a', 'b', 'c', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
		1, 0, 0, 0, 'x', 0, 0, 0, 0, 0, 0, 0, 0}
	run := func(b []byte) []byte {
		mod, err := r.InstantiateWithConfig(ctx, b, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		res, err := mod.ExportedFunction("kw_input").Call(ctx, uint64(len(input)))
		if err != nil {
			t.Fatal(err)
		}
		mod.Memory().Write(uint32(res[0]), input)
		res, err = mod.ExportedFunction("kw_partition").Call(ctx, uint64(len(input)))
		if err != nil {
			t.Fatal(err)
		}
		o, _ := mod.Memory().Read(uint32(res[0]>>32), uint32(res[0]))
		return append([]byte(nil), o...)
	}
	if a, b := run(bin), run(out); string(a) != string(b) {
		t.Fatalf("outputs differ: %x vs %x", a, b)
	}
}

func TestReservedExport(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join(fixtures, "partitioner.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	once, err := guard.Instrument(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := guard.Instrument(once); !errors.Is(err, guard.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported for the reserved prefix", err)
	}
	if _, err := guard.Instrument([]byte("not wasm")); !errors.Is(err, guard.ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzInstrument(f *testing.F) {
	for _, name := range []string{"partitioner.wasm", "loop.wasm", "codec.wasm"} {
		if b, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = guard.Instrument(b) // must not panic
	})
}
