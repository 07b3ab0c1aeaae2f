package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/kafkawasm/kafkawasm/runtime/internal/guard"
)

// TestGuardCache loads an instrumented plugin from new Runtimes sharing a
// cache directory: the first rewrites the module and caches it, the next
// ones use the cache, and a damaged entry is rewritten (and repaired)
// instead of being used.
func TestGuardCache(t *testing.T) {
	path := filepath.Join("..", "plugins", "testdata", "hostile", "partitioner.wasm")
	bin, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bin)
	digest := hex.EncodeToString(sum[:])
	dir := t.TempDir()
	entry := filepath.Join(dir, guardCacheVersion, digest+".wasm")
	want, err := guard.Instrument(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rewrites := 0
	// load loads the plugin from a new Runtime, calls it, and returns how
	// many times the module was rewritten.
	load := func(t *testing.T) int {
		t.Helper()
		r, err := NewRuntime(RuntimeConfig{CacheDir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(ctx)
		n := 0
		r.rewrite = func(b []byte) ([]byte, error) {
			n++
			return guard.Instrument(b)
		}
		p, err := r.Load(ctx, PluginConfig{Name: "p", Kind: KindPartitioner, Path: path, PoolSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctx)
		if p.SHA256() != digest {
			t.Fatalf("digest %s, want %s", p.SHA256(), digest)
		}
		in, err := p.acquire()
		if err != nil {
			t.Fatal(err)
		}
		p.release(in)
		if in.guard == nil {
			t.Fatal("the instance is not instrumented")
		}
		file, err := os.ReadFile(entry)
		if err != nil {
			t.Fatal(err)
		}
		if out, ok := openGuardEntry(file, sum[:]); !ok || !bytes.Equal(out, want) {
			t.Fatalf("cache entry is not intact after the load (ok %v)", ok)
		}
		rewrites += n
		return n
	}
	if n := load(t); n != 1 {
		t.Fatalf("cold load rewrote the module %d times, want 1", n)
	}
	if n := load(t); n != 0 {
		t.Fatalf("warm load rewrote the module %d times, want 0 (cache not used)", n)
	}
	intact, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	other := sha256.Sum256([]byte("another module"))
	for _, tc := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"flipped payload byte", func(b []byte) []byte { b[len(b)-7] ^= 0x20; return b }},
		{"flipped checksum", func(b []byte) []byte { b[guardHeaderLen-1] ^= 1; return b }},
		{"truncated payload", func(b []byte) []byte { return b[:len(b)-100] }},
		{"truncated header", func(b []byte) []byte { return b[:guardHeaderLen-1] }},
		{"empty", func([]byte) []byte { return nil }},
		{"another module's entry", func(b []byte) []byte {
			copy(b[len(guardMagic):], other[:])
			return b
		}},
		{"bare module (old format)", func([]byte) []byte { return bytes.Clone(want) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(entry, tc.damage(bytes.Clone(intact)), 0o600); err != nil {
				t.Fatal(err)
			}
			if n := load(t); n != 1 {
				t.Fatalf("rewrote the module %d times, want 1", n)
			}
			if n := load(t); n != 0 {
				t.Fatalf("the repaired entry was not used: %d rewrites", n)
			}
		})
	}
}

// TestGuardCacheUnwritable: a cache directory the runtime cannot write to
// costs a rewrite per load, not a failure.
func TestGuardCacheUnwritable(t *testing.T) {
	dir := t.TempDir()
	// A file where the guard cache directory should be.
	if err := os.WriteFile(filepath.Join(dir, guardCacheVersion), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := NewRuntime(RuntimeConfig{CacheDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	p, err := r.Load(ctx, PluginConfig{Name: "p", Kind: KindPartitioner, Path: filepath.Join("..", "plugins", "testdata", "hostile", "partitioner.wasm")})
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
	if _, err := r.instrument([]byte("not wasm"), hex.EncodeToString(make([]byte, 32))); !errors.Is(err, guard.ErrUnsupported) {
		t.Fatalf("err = %v, want guard.ErrUnsupported", err)
	}
}
