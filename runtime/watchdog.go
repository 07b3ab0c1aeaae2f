package runtime

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// watchdog stops instrumented guests that run past their deadline. One
// goroutine per Runtime runs while at least one instrumented instance is
// registered and wakes every tick (a quarter of the smallest registered
// timeout, between 1 ms and 50 ms); it also keeps a coarse clock so that
// arming a call costs two atomic loads and a store instead of a clock read.
// A call is therefore stopped between its timeout and its timeout plus two
// ticks (1.5x the timeout at most for the plugin with the smallest one).
//
// Lock order: watchdog.mu, then guardState.mu.
type watchdog struct {
	base      time.Time
	now       atomic.Int64 // coarse nanoseconds since base
	tickNanos atomic.Int64

	mu      sync.Mutex
	guards  map[*guardState]struct{} // guarded by mu
	running bool                     // guarded by mu
}

// guardState is the watchdog's view of one instrumented instance.
type guardState struct {
	// deadline is 0 while idle, the deadline (coarse nanoseconds) during a
	// call, or -1 once the watchdog decided to stop the call.
	deadline atomic.Int64
	timeout  int64

	mu     sync.Mutex
	stop   api.MutableGlobal // written only under mu
	closed bool              // guarded by mu
}

func newWatchdog() *watchdog {
	w := &watchdog{base: time.Now(), guards: map[*guardState]struct{}{}}
	w.tickNanos.Store(int64(50 * time.Millisecond))
	return w
}

func (w *watchdog) register(g *guardState) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.guards[g] = struct{}{}
	tick := time.Duration(g.timeout) / 4
	tick = min(max(tick, time.Millisecond), 50*time.Millisecond)
	if !w.running || int64(tick) < w.tickNanos.Load() {
		w.tickNanos.Store(int64(tick))
	}
	if !w.running {
		w.running = true
		w.now.Store(int64(time.Since(w.base)))
		go w.loop()
	}
}

func (w *watchdog) unregister(g *guardState) {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	w.mu.Lock()
	delete(w.guards, g)
	w.mu.Unlock()
}

func (w *watchdog) loop() {
	t := time.NewTimer(time.Duration(w.tickNanos.Load()))
	defer t.Stop()
	for {
		<-t.C
		now := int64(time.Since(w.base))
		w.now.Store(now)
		w.mu.Lock()
		if len(w.guards) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		for g := range w.guards {
			if d := g.deadline.Load(); d > 0 && now > d && g.deadline.CompareAndSwap(d, -1) {
				g.fire()
			}
		}
		w.mu.Unlock()
		t.Reset(time.Duration(w.tickNanos.Load()))
	}
}

// arm starts a call's deadline.
func (w *watchdog) arm(g *guardState) {
	g.deadline.Store(w.now.Load() + g.timeout + w.tickNanos.Load())
}

// disarm ends a call and reports whether the watchdog stopped it (or is
// stopping it): the instance must then be discarded.
func (w *watchdog) disarm(g *guardState) (fired bool) {
	return g.deadline.Swap(0) == -1
}

func (g *guardState) fire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.stop.Set(1)
}
