package runtime

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
)

// TestLinearMemory grows each kind of linear memory the way wazero does
// (Reallocate to the new length at each memory.grow) and checks that the
// contents survive, new bytes are zero, growing past the maximum fails, and
// the mapped memory never moves (nothing is copied).
func TestLinearMemory(t *testing.T) {
	const page = 1 << 16
	const max = 64 * page
	type kind struct {
		name   string
		mem    experimental.LinearMemory
		stable bool // the backing array never moves
	}
	kinds := []kind{{"slice", &sliceMemory{max: max}, false}}
	if memoryAllocator != nil {
		mem := memoryAllocator.Allocate(0, max)
		_, copies := mem.(*sliceMemory) // the fallback when no mapping can be made
		kinds = append(kinds, kind{"allocator", mem, !copies})
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			m := k.mem
			defer m.Free()
			buf := m.Reallocate(page)
			if len(buf) != page {
				t.Fatalf("len %d, want %d", len(buf), page)
			}
			base := unsafe.SliceData(buf)
			for i := range buf {
				buf[i] = byte(i % 251)
			}
			for _, pages := range []uint64{2, 3, 17, 64} {
				buf = m.Reallocate(pages * page)
				if uint64(len(buf)) != pages*page {
					t.Fatalf("grow to %d pages: len %d", pages, len(buf))
				}
				if k.stable && unsafe.SliceData(buf) != base {
					t.Fatalf("grow to %d pages moved the memory", pages)
				}
				for i := range page {
					if buf[i] != byte(i%251) {
						t.Fatalf("grow to %d pages: byte %d is %d, want %d", pages, i, buf[i], byte(i%251))
					}
				}
				for i := page; i < len(buf); i++ {
					if buf[i] != 0 {
						t.Fatalf("grow to %d pages: new byte %d is %d, want 0", pages, i, buf[i])
					}
				}
				// Dirty the new pages too: the next grow must keep them.
				for i := (pages - 1) * page; i < pages*page; i++ {
					buf[i] = 0
				}
			}
			if b := m.Reallocate(max + page); b != nil {
				t.Fatalf("grow past max: got %d bytes, want nil", len(b))
			}
			if b := m.Reallocate(max); len(b) != max {
				t.Fatalf("after a refused grow: len %d, want %d", len(b), max)
			}
		})
	}
}

// BenchmarkInstantiate creates and closes an instance of the Go and the
// AssemblyScript region-partitioner, with linear memories from
// memoryAllocator and from wazero's own allocation (a Go slice grown by
// copying), in the same run: ns/op per instance.
func BenchmarkInstantiate(b *testing.B) {
	for _, file := range []string{"region-partitioner.wasm", "region-partitioner-as.wasm"} {
		for _, alloc := range []string{"allocator", "wazero"} {
			b.Run(file+"/"+alloc, func(b *testing.B) {
				rt, err := NewRuntime(RuntimeConfig{CacheDir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err != nil {
					b.Fatal(err)
				}
				defer rt.Close(context.Background())
				p, err := rt.Load(context.Background(), PluginConfig{Name: "region", Kind: KindPartitioner,
					Path:   filepath.Join("..", "plugins", "region-partitioner", file),
					Config: map[string]any{"header": "region", "regions": []any{"eu", "us"}}})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close(context.Background())
				if alloc == "wazero" {
					saved := memoryAllocator
					memoryAllocator = nil
					defer func() { memoryAllocator = saved }()
				}
				for b.Loop() {
					in, err := p.newInstance(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					in.close()
				}
			})
		}
	}
}
