package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// Many goroutines share a plugin whose pool is smaller than their number;
// run with -race. Every result must be the goroutine's own.
func TestPoolConcurrentUse(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindPartitioner, PoolSize: 3})
	e := load(t, runtime.PluginConfig{Name: "enricher", Kind: runtime.KindEnricher, PoolSize: 2})
	var wg sync.WaitGroup
	errc := make(chan error, 32)
	for g := range 32 {
		wg.Go(func() {
			for i := range 50 {
				keys := make([]string, 1+(g+i)%20)
				for j := range keys {
					keys[j] = fmt.Sprintf("g%d-i%d-r%d", g, i, j)
				}
				msgs := records(keys...)
				errs := make([]error, len(msgs))
				e.Interceptor().Intercept("t", msgs, errs)
				out := make([]int32, len(msgs))
				p.Partitioner().PartitionRecords("t", msgs, 11, out, errs)
				for j, m := range msgs {
					if errs[j] != nil {
						errc <- errs[j]
						return
					}
					if out[j] != fnvPartition(m.Key, 11) || string(m.Headers[1].Value) != keys[j] {
						errc <- fmt.Errorf("goroutine %d record %d: got partition %d headers %q", g, j, out[j], m.Headers)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Created > 3 || st.Instances > 3 {
		t.Fatalf("pool grew past its size: %+v", st)
	}
}

// Traps under concurrency: every broken instance is replaced and nothing
// leaks.
func TestPoolRecyclesUnderConcurrency(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "trap", Kind: runtime.KindPartitioner, PoolSize: 2})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				_, errs := partition(p, 3, records("a", "b"))
				if !errors.Is(errs[0], runtime.ErrTrap) {
					t.Error(errs[0])
					return
				}
			}
		})
	}
	wg.Wait()
	st := p.Stats()
	if st.Traps != 80 || st.Recycled != 80 || st.Instances > 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestClose(t *testing.T) {
	p, err := testRuntime(t).Load(context.Background(), runtime.PluginConfig{Name: "partitioner",
		Kind: runtime.KindPartitioner, Path: fixture("partitioner")})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, errs := partition(p, 3, records("a"))
	if !errors.Is(errs[0], runtime.ErrClosed) {
		t.Fatalf("after Close: %v", errs[0])
	}
	if st := p.Stats(); st.Instances != 0 {
		t.Fatalf("instances left: %+v", st)
	}
	p.Close(context.Background()) // idempotent
}

// A loop that never ends, stopped while other goroutines keep calling a
// healthy plugin of the same runtime.
func TestTimeoutDoesNotDisturbOthers(t *testing.T) {
	loop := load(t, runtime.PluginConfig{Name: "loop", Kind: runtime.KindPartitioner, Timeout: 20 * time.Millisecond, PoolSize: 1})
	good := load(t, runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindPartitioner})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			if _, errs := partition(loop, 3, records("a")); !errors.Is(errs[0], runtime.ErrTimeout) {
				t.Error(errs[0])
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		msgs := []kafka.Message{{Key: []byte("k")}}
		if out, errs := partition(good, 5, msgs); errs[0] != nil || out[0] != fnvPartition([]byte("k"), 5) {
			t.Fatal(out, errs)
		}
	}
}
