package runtime_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/runtime"
)

var (
	goGuestOnce sync.Once
	goGuestPath string
	goGuestErr  error
	goGuestDir  string
)

// goGuest builds testdata/goguest with the Go toolchain running the tests
// (a real Go reactor: _initialize, ~2.6 MB, the Go runtime's WASI imports).
func goGuest(t testing.TB) string {
	goGuestOnce.Do(func() {
		goGuestDir, goGuestErr = os.MkdirTemp("", "kafkawasm-goguest")
		if goGuestErr != nil {
			return
		}
		goGuestPath = filepath.Join(goGuestDir, "goguest.wasm")
		gobin := "go"
		if goroot := os.Getenv("GOROOT"); goroot != "" {
			gobin = filepath.Join(goroot, "bin", "go")
		}
		cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", goGuestPath, ".")
		cmd.Dir = filepath.Join("testdata", "goguest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			goGuestErr = errors.New(string(out) + err.Error())
		}
	})
	if goGuestErr != nil {
		t.Fatalf("building the Go guest: %v", goGuestErr)
	}
	return goGuestPath
}

func TestGoGuest(t *testing.T) {
	var logs syncBuffer
	p := load(t, runtime.PluginConfig{Name: "goguest", Path: goGuest(t), Kind: runtime.KindPartitioner,
		PoolSize: 1, Logger: newTextLogger(&logs), Timeout: time.Second})
	msgs := records("alpha", "beta")
	msgs = append(msgs, records("x")...)
	msgs[2].Key = nil
	out, errs := partition(p, 7, msgs)
	if errs[0] != nil || out[0] != fnvPartition([]byte("alpha"), 7) || out[1] != fnvPartition([]byte("beta"), 7) || out[2] != -1 {
		t.Fatalf("%v %v", out, errs)
	}
	// A Go panic exits the guest: a trap for this batch, a fresh instance
	// for the next.
	_, errs = partition(p, 7, records("ok", "panic"))
	if !errors.Is(errs[0], runtime.ErrTrap) {
		t.Fatalf("panic: %v", errs[0])
	}
	if !strings.Contains(logs.String(), "asked to panic") {
		t.Fatalf("the guest's stderr was not logged: %q", logs.String())
	}
	out, errs = partition(p, 7, records("alpha"))
	if errs[0] != nil || out[0] != fnvPartition([]byte("alpha"), 7) {
		t.Fatalf("after recycle: %v %v", out, errs)
	}
	if st := p.Stats(); st.Recycled != 1 || st.Created != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// The second Runtime on the same cache directory loads the module without
// compiling it.
func TestCompilationCacheWarmLoad(t *testing.T) {
	path := goGuest(t)
	dir := t.TempDir()
	loadOnce := func() time.Duration {
		rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: dir, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(context.Background())
		start := time.Now()
		p, err := rt.Load(context.Background(), runtime.PluginConfig{Name: "goguest", Path: path, Kind: runtime.KindPartitioner})
		if err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		p.Close(context.Background())
		return d
	}
	cold := loadOnce()
	var files int
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("nothing cached")
	}
	warm := loadOnce()
	t.Logf("load: cold %v, warm %v", cold, warm)
	if warm >= cold {
		t.Fatalf("warm load (%v) not faster than cold (%v)", warm, cold)
	}
}
