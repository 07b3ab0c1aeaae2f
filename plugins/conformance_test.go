package plugins_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The builds every vector runs against: plugins/<name>/<name>.wasm (Go),
// plugins/<name>/<name>-as.wasm (AssemblyScript),
// plugins/<name>/<name>-c.wasm (C) and plugins/<name>/<name>-rust.wasm
// (Rust), made by `make -C plugins all`. The first is the reference the
// others' transcripts are compared with.
var builds = []struct{ name, suffix string }{
	{"go", ".wasm"},
	{"as", "-as.wasm"},
	{"c", "-c.wasm"},
	{"rust", "-rust.wasm"},
}

func wasmPath(plugin, suffix string) string {
	return filepath.Join(plugin, plugin+suffix)
}

func built(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// requireBuild fails (in CI) or skips (elsewhere) when a build is missing.
func requireBuild(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	msg := path + " is not built: run `make -C plugins all`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestConformance runs every vector against every build of its plugin,
// checks the outputs against the vector, and checks that all builds
// produced the Go build's transcript.
func TestConformance(t *testing.T) {
	vectors := loadVectors(t)
	names := make([]string, 0, len(vectors))
	for n := range vectors {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		vf := vectors[name]
		t.Run(name, func(t *testing.T) {
			mods := map[string]*module{}
			for _, b := range builds {
				path := wasmPath(name, b.suffix)
				requireBuild(t, path)
				mods[b.name] = theHarness(t).compile(t, path)
			}
			for ci := range vf.Cases {
				c := &vf.Cases[ci]
				t.Run(c.Name, func(t *testing.T) {
					transcripts := map[string][]string{}
					for _, b := range builds {
						inst := mods[b.name].instantiate(t)
						tr, problems := runCase(inst, vf.Kind, c)
						for _, p := range problems {
							t.Errorf("%s build: %s", b.name, p)
						}
						transcripts[b.name] = tr
					}
					ref := strings.Join(transcripts[builds[0].name], "\n")
					for _, b := range builds[1:] {
						if got := strings.Join(transcripts[b.name], "\n"); got != ref {
							t.Errorf("%[1]s and %[2]s builds differ:\n--- %[1]s\n%[3]s\n--- %[2]s\n%[4]s", builds[0].name, b.name, ref, got)
						}
					}
				})
			}
		})
	}
}

// TestBuildImports checks that the builds import only what the host
// provides: kafkawasm.* for every build, WASI for Go, and for the others
// nothing else at all (the AssemblyScript SDK's abort handler replaces
// env.abort; the C SDK needs no libc; Rust's wasm32-unknown-unknown std
// imports nothing).
func TestBuildImports(t *testing.T) {
	for name := range loadVectors(t) {
		for _, b := range builds {
			path := wasmPath(name, b.suffix)
			t.Run(name+"/"+b.name, func(t *testing.T) {
				requireBuild(t, path)
				m := theHarness(t).compile(t, path)
				for _, imp := range m.imports() {
					ok := strings.HasPrefix(imp, "kafkawasm.") ||
						(b.name == "go" && strings.HasPrefix(imp, "wasi_snapshot_preview1."))
					if !ok {
						t.Errorf("%s imports %s", path, imp)
					}
				}
				exports := m.compiled.ExportedFunctions()
				for _, want := range []string{"kw_abi_version", "kw_input", "kw_configure", "kw_partition", "kw_encode", "kw_decode", "kw_enrich"} {
					if _, ok := exports[want]; !ok {
						t.Errorf("%s does not export %s", path, want)
					}
				}
			})
		}
	}
}

// TestUnregisteredKind checks the whole-call failure of a kind the module
// does not implement (every SDK module exports all kw_* functions).
func TestUnregisteredKind(t *testing.T) {
	for _, b := range builds {
		path := wasmPath("region-partitioner", b.suffix)
		t.Run(b.name, func(t *testing.T) {
			requireBuild(t, path)
			inst := theHarness(t).compile(t, path).instantiate(t)
			_, err := inst.Enrich("t", nil)
			if err == nil || !strings.Contains(err.Error(), "no enricher") {
				t.Errorf("kw_enrich on a partitioner: %v", err)
			}
			_, err = inst.Codec("encode", "t", nil)
			if err == nil || !strings.Contains(err.Error(), "no codec") {
				t.Errorf("kw_encode on a partitioner: %v", err)
			}
			// A malformed batch is a whole-call failure too.
			if _, err := inst.output("kw_partition", append(le32(1), 'x')); err == nil {
				t.Error("truncated batch accepted")
			}
		})
	}
}
