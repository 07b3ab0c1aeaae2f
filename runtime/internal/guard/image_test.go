package guard_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/runtime/internal/guard"
)

// plugins are the example plugins (make -C plugins all), with the number
// of data segments Instrument may leave at most: Go's linker emits ~27,000.
var plugins = []struct {
	file        string
	maxSegments int
}{
	{"region-partitioner/region-partitioner.wasm", 4},
	{"json-codec/json-codec.wasm", 4},
	{"header-enricher/header-enricher.wasm", 4},
	{"region-partitioner/region-partitioner-as.wasm", 2},
	{"json-codec/json-codec-as.wasm", 2},
	{"header-enricher/header-enricher-as.wasm", 2},
	{"region-partitioner/region-partitioner-c.wasm", 2},
	{"json-codec/json-codec-c.wasm", 2},
	{"header-enricher/header-enricher-c.wasm", 2},
	{"region-partitioner/region-partitioner-rust.wasm", 2},
	{"json-codec/json-codec-rust.wasm", 2},
	{"header-enricher/header-enricher-rust.wasm", 2},
}

// TestInstrumentKeepsMemoryImage instantiates each fixture and example
// plugin with and without instrumentation, running no code, and compares
// the memories: coalescing data segments must not change a byte.
func TestInstrumentKeepsMemoryImage(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.wasm"))
	maxSegs := map[string]int{}
	for _, p := range plugins {
		f := filepath.Join("../../../plugins", p.file)
		if _, err := os.Stat(f); err != nil {
			if ci := strings.ToLower(os.Getenv("CI")); ci == "true" || ci == "1" || ci == "yes" {
				t.Fatalf("%v (CI=true: build the plugins first)", err)
			}
			t.Logf("skipping %s: %v (make -C plugins all)", p.file, err)
			continue
		}
		files = append(files, f)
		maxSegs[f] = p.maxSegments
	}
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
			// Instantiation would run the start function, which Instrument
			// exports instead: compare with the module without it.
			plain, ok := memoryImage(t, withoutSection(bin, 8))
			if !ok {
				t.Skip("does not instantiate (a hostile fixture)")
			}
			inst, ok := memoryImage(t, out)
			if !ok {
				t.Fatal("the instrumented module does not instantiate")
			}
			if !bytes.Equal(plain, inst) {
				t.Fatalf("memory differs (%d vs %d bytes)", len(plain), len(inst))
			}
			if max, ok := maxSegs[f]; ok {
				if n := dataSegments(t, out); n > max {
					t.Fatalf("%d data segments after instrumentation, want at most %d", n, max)
				}
			}
		})
	}
}

// memoryImage instantiates bin with stubs for all its imported functions,
// runs no start function, and returns a copy of its memory.
func memoryImage(t *testing.T, bin []byte) ([]byte, bool) {
	ctx := context.Background()
	// The interpreter: no code runs, and it compiles a Go guest in
	// milliseconds.
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	builders := map[string]wazero.HostModuleBuilder{}
	for _, def := range cm.ImportedFunctions() {
		mod, name, _ := def.Import()
		b := builders[mod]
		if b == nil {
			b = r.NewHostModuleBuilder(mod)
			builders[mod] = b
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {}), def.ParamTypes(), def.ResultTypes()).
			Export(name)
	}
	for mod, b := range builders {
		if _, err := b.Instantiate(ctx); err != nil {
			t.Fatalf("stubs of %s: %v", mod, err)
		}
	}
	m, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		if strings.Contains(err.Error(), "out of bounds") || strings.Contains(err.Error(), "memory") {
			return nil, false
		}
		t.Fatalf("instantiate: %v", err)
	}
	if m.Memory() == nil {
		return nil, true
	}
	b, _ := m.Memory().Read(0, m.Memory().Size())
	return bytes.Clone(b), true
}

// dataSegments returns the number of data segments of a module.
func dataSegments(t *testing.T, bin []byte) int {
	n, _ := uleb(section(bin, 11))
	return int(n)
}

// withoutSection returns bin without its sections with this id.
func withoutSection(bin []byte, id byte) []byte {
	out := bytes.Clone(bin[:8])
	for off := 8; off < len(bin); {
		n, k := uleb(bin[off+1:])
		end := off + 1 + k + int(n)
		if bin[off] != id {
			out = append(out, bin[off:end]...)
		}
		off = end
	}
	return out
}

// section returns the body of the first section with this id, or nil.
func section(bin []byte, id byte) []byte {
	for off := 8; off < len(bin); {
		n, k := uleb(bin[off+1:])
		start := off + 1 + k
		if bin[off] == id {
			return bin[start : start+int(n)]
		}
		off = start + int(n)
	}
	return nil
}

func uleb(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, len(b)
}
