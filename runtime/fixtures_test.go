package runtime_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The committed .wasm fixtures must match their .wat sources. Needs wabt's
// wat2wasm (Debian: apt-get install wabt); CI installs it, so the test
// fails rather than skips when CI=true and it is missing.
func TestFixturesUpToDate(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("wat2wasm not found; CI must install wabt")
		}
		t.Skip("wat2wasm not found")
	}
	wats, _ := filepath.Glob(filepath.Join(fixtureDir, "*.wat"))
	if len(wats) == 0 {
		t.Fatal("no .wat fixtures")
	}
	dir := t.TempDir()
	for _, wat := range wats {
		name := strings.TrimSuffix(filepath.Base(wat), ".wat")
		out := filepath.Join(dir, name+".wasm")
		if b, err := exec.Command(wat2wasm, wat, "-o", out).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", wat, err, b)
		}
		want, _ := os.ReadFile(out)
		got, err := os.ReadFile(filepath.Join(fixtureDir, name+".wasm"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s.wasm is stale: run make -C plugins/testdata/hostile", name)
		}
	}
}
