package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kafkawasm/kafkawasm/hostfuncs"
	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/runtime/internal/guard"
)

// instance is one module instance with its cached functions, call stack and
// scratch buffers. It is used by one goroutine at a time: the one that took
// it from the pool.
type instance struct {
	p     *Plugin
	mod   api.Module
	mem   api.Memory
	call  *hostfuncs.Call
	ctx   context.Context // carries call; reused for every call
	input api.Function
	ops   [2]api.Function // partition | encode, decode | enrich
	stack []uint64
	guard *guardState // TimeBoundInstrument only

	callCtx context.Context // context of the current call
	cancel  context.CancelFunc
	broken  bool // discard on release

	abiMinor uint16 // declared by the module

	idx []int   // record indexes of the current chunk
	out []byte  // output scratch for outputs that are not kept
	res []int32 // partition results of the current chunk

	keys abi.Interner // header keys of enrich outputs
}

// Cumulative counters of a plugin, read with Stats.
type stats struct {
	calls, records, timeouts, traps, failures, recycled, created atomic.Uint64
	live                                                         atomic.Int64
}

// Stats are a plugin's counters since it was loaded.
type Stats struct {
	Calls     uint64 // guest calls (one per batch chunk)
	Records   uint64 // records passed to the guest
	Timeouts  uint64 // calls stopped by the time bound
	Traps     uint64 // calls that trapped
	Failures  uint64 // whole-call failures: -1 results, malformed output, instantiation errors
	Recycled  uint64 // instances discarded (trap, timeout, memory watermark)
	Created   uint64 // instances created, including the first
	Instances int64  // live instances
}

// Stats returns the plugin's counters. Safe for concurrent use.
func (p *Plugin) Stats() Stats {
	s := &p.stats
	return Stats{Calls: s.calls.Load(), Records: s.records.Load(), Timeouts: s.timeouts.Load(),
		Traps: s.traps.Load(), Failures: s.failures.Load(), Recycled: s.recycled.Load(),
		Created: s.created.Load(), Instances: s.live.Load()}
}

func (p *Plugin) initTimeout() time.Duration {
	if p.timeout <= 0 {
		return -1
	}
	return max(p.timeout, MinInitTimeout)
}

// newInstance instantiates the module and runs its start function (moved
// to an export by instrumentation), _initialize, the ABI version check and
// kw_configure, all under the init time bound.
func (p *Plugin) newInstance(ctx context.Context) (*instance, error) {
	ictx := ctx
	if p.bound == TimeBoundContext {
		var cancel context.CancelFunc
		ictx, cancel = context.WithTimeout(ctx, p.initTimeout())
		defer cancel()
	}
	call := hostfuncs.NewCall(p.env)
	ictx = experimental.WithMemoryAllocator(ictx, memoryAllocator)
	mod, err := p.eng.r.InstantiateModule(hostfuncs.WithCall(ictx, call), p.cm, hostfuncs.Sandbox(p.env, p.grants))
	if err != nil {
		p.stats.failures.Add(1)
		if errors.Is(ictx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: start function ran past %v", ErrTimeout, p.initTimeout())
		}
		return nil, fmt.Errorf("%w: instantiate: %s", ErrTrap, firstLine(err.Error()))
	}
	in := &instance{p: p, mod: mod, call: call, ctx: hostfuncs.WithCall(context.Background(), call),
		stack: make([]uint64, 1), mem: mod.Memory(), input: mod.ExportedFunction(abi.ExportInput)}
	p.stats.created.Add(1)
	p.stats.live.Add(1)
	if in.mem == nil {
		in.close()
		return nil, fmt.Errorf("%w: the module has no memory", ErrInvalidModule)
	}
	for i, name := range opExports[p.kind] {
		in.ops[i] = mod.ExportedFunction(name)
	}
	if p.bound == TimeBoundInstrument {
		in.guard = &guardState{timeout: int64(p.timeout),
			stop: mod.ExportedGlobal(guard.StopExport).(api.MutableGlobal),
		}
		p.rt.wd.register(in.guard)
	}
	if err := in.init(); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

func (in *instance) init() error {
	p := in.p
	in.begin(p.initTimeout())
	defer in.end()
	for _, name := range []string{guard.StartExport, abi.ExportInitialize} {
		if f := in.mod.ExportedFunction(name); f != nil {
			if _, err := in.invoke(f, 0); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	v, err := in.invoke(in.mod.ExportedFunction(abi.ExportABIVersion), 0)
	if err != nil {
		return fmt.Errorf("%s: %w", abi.ExportABIVersion, err)
	}
	major, minor := abi.VersionParts(uint32(v))
	if major != abi.VersionMajor {
		return fmt.Errorf("%w: module speaks ABI %d.%d, host speaks %d.%d",
			ErrABIVersion, major, minor, abi.VersionMajor, abi.VersionMinor)
	}
	in.abiMinor = minor
	f := in.mod.ExportedFunction(abi.ExportConfigure)
	if f == nil {
		return nil
	}
	cfg := p.env.ConfigJSON()
	ptr, err := in.invoke(in.input, uint64(len(cfg)))
	if err != nil {
		return fmt.Errorf("%s: %w", abi.ExportInput, err)
	}
	if ptr == 0 || !in.mem.Write(uint32(ptr), cfg) {
		return fmt.Errorf("%w: kw_input(%d) returned no usable buffer for the config", ErrCallFailed, len(cfg))
	}
	in.call.Reset()
	rc, err := in.invoke(f, uint64(len(cfg)))
	if err != nil {
		return fmt.Errorf("%s: %w", abi.ExportConfigure, err)
	}
	if int32(rc) != 0 {
		msg, _ := in.call.Err()
		return fmt.Errorf("%w: kw_configure returned %d: %s", ErrConfigure, int32(rc), orDefault(msg, "no message"))
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// begin starts the time bound of one call (which may invoke several
// exports); end stops it and reports whether it expired.
func (in *instance) begin(timeout time.Duration) {
	in.callCtx = in.ctx
	switch {
	case timeout <= 0:
	case in.guard != nil:
		in.guard.deadline.Store(in.p.rt.wd.now.Load() + int64(timeout) + in.p.rt.wd.tickNanos.Load())
	case in.p.bound == TimeBoundContext:
		in.callCtx, in.cancel = context.WithTimeout(in.ctx, timeout)
	}
}

func (in *instance) end() (expired bool) {
	if in.guard != nil {
		expired = in.p.rt.wd.disarm(in.guard)
	}
	if in.cancel != nil {
		expired = in.callCtx.Err() != nil
		in.cancel()
		in.cancel = nil
	}
	if expired {
		in.broken = true
	}
	return expired
}

// invoke calls f(arg) and returns its single result. A failure marks the
// instance broken and is returned as a classified cause.
func (in *instance) invoke(f api.Function, arg uint64) (uint64, error) {
	in.stack[0] = arg
	err := f.CallWithStack(in.callCtx, in.stack)
	if err == nil {
		return in.stack[0], nil
	}
	in.broken = true
	timedOut := in.guard != nil && in.guard.deadline.Load() == -1
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			timedOut = true
		default:
			in.p.stats.traps.Add(1)
			return 0, fmt.Errorf("%w: plugin exited with code %d", ErrTrap, exit.ExitCode())
		}
	}
	if timedOut {
		in.p.stats.timeouts.Add(1)
		return 0, fmt.Errorf("%w: call stopped after %v", ErrTimeout, in.p.timeout)
	}
	in.p.stats.traps.Add(1)
	in.p.logger.Warn("kafkawasm: plugin trapped", "err", err.Error())
	var ab *hostfuncs.AbortError
	if errors.As(err, &ab) {
		return 0, fmt.Errorf("%w: %w", ErrTrap, ab)
	}
	return 0, fmt.Errorf("%w: %s", ErrTrap, firstLine(err.Error()))
}

// roundTrip runs one ABI operation: kw_input, encode the chunk straight
// into the guest's buffer, op, copy the output out. With keep the output is
// a fresh slice the caller may retain; otherwise it is the instance's
// scratch, valid until the next call.
func (in *instance) roundTrip(op api.Function, ch *chunk, keep bool) ([]byte, error) {
	p := in.p
	p.stats.calls.Add(1)
	p.stats.records.Add(uint64(len(ch.idx)))
	in.begin(p.timeout)
	ptr, err := in.invoke(in.input, uint64(ch.size))
	if err == nil {
		// No guest code runs between kw_input and op, so the view cannot
		// go stale (memory.grow) before the guest reads it.
		view, ok := in.mem.Read(uint32(ptr), uint32(ch.size))
		if ptr == 0 || !ok {
			in.broken = true
			err = fmt.Errorf("%w: kw_input(%d) returned %#x, not a usable buffer", ErrCallFailed, ch.size, uint32(ptr))
		} else {
			err = ch.encodeInto(view)
		}
	}
	var r uint64
	if err == nil {
		in.call.Reset()
		r, err = in.invoke(op, uint64(ch.size))
	}
	if in.end() && err == nil {
		// The call finished but the watchdog had already fired: the result
		// stands, the instance is discarded.
		p.stats.timeouts.Add(1)
	}
	if err != nil {
		if !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrTrap) {
			p.stats.failures.Add(1)
		}
		return nil, err
	}
	if r == abi.CallFailed {
		p.stats.failures.Add(1)
		msg, _ := in.call.Err()
		return nil, fmt.Errorf("%w: %s", ErrCallFailed, orDefault(msg, "plugin failed"))
	}
	optr, n := abi.UnpackResult(r)
	view, ok := in.mem.Read(optr, n)
	if !ok {
		p.stats.failures.Add(1)
		return nil, fmt.Errorf("%w: output [%#x, %#x) is outside the guest's %d bytes of memory",
			ErrMalformedOutput, optr, uint64(optr)+uint64(n), in.mem.Size())
	}
	var out []byte
	if keep {
		out = append([]byte(nil), view...)
	} else {
		in.out = append(in.out[:0], view...)
		out = in.out
	}
	if uint64(in.mem.Size()) > p.watermark {
		in.broken = true
	}
	return out, nil
}

func (in *instance) close() {
	if in.guard != nil {
		in.p.rt.wd.unregister(in.guard)
	}
	in.mod.Close(context.Background())
	in.p.stats.live.Add(-1)
}

// acquire takes an instance from the pool, creating it if the slot is
// free. It blocks while all instances are busy.
func (p *Plugin) acquire() (*instance, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	in, ok := <-p.pool
	if !ok {
		return nil, ErrClosed
	}
	if p.closed.Load() {
		p.pool <- in
		return nil, ErrClosed
	}
	if in == nil {
		var err error
		if in, err = p.newInstance(context.Background()); err != nil {
			p.pool <- nil
			return nil, err
		}
	}
	return in, nil
}

// release returns an instance to the pool, or discards it if it is broken
// (a trap, a timeout, memory past the watermark): its slot is then free and
// the next acquire creates a fresh instance.
func (p *Plugin) release(in *instance) {
	if in.broken {
		in.close()
		p.stats.recycled.Add(1)
		p.pool <- nil
		return
	}
	p.pool <- in
}
