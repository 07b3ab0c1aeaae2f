package guard

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// StopExport is the name of the exported mutable i32 global that stops the
// guest when set to a non-zero value.
const StopExport = "__kw_stop"

// StartExport is the name under which Instrument exports the module's start
// function, whose start section it removes: the host calls it right after
// instantiation, under the time bound, so that a runaway start function can
// be stopped too.
const StartExport = "__kw_start"

// Interval is the number of iterations of one loop between two slow-path
// checks.
const Interval = 4096

// Version numbers the output format of Instrument: callers that cache its
// output must key the cache by it. It changes whenever the same input would
// be instrumented differently.
const Version = 2

// ErrUnsupported is wrapped by errors about modules the rewriter cannot
// handle.
var ErrUnsupported = errors.New("guard: cannot instrument module")

const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secStart    = 8
	secCode     = 10
	secData     = 11
	secDataCnt  = 12
	extFunc     = 0
	extMemory   = 2
	extGlobal   = 3
	valI32      = 0x7f
	opEnd       = 0x0b
	reservedPf  = "__kw_"
)

// order ranks section ids in the order the binary format requires.
var order = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id   byte
	body []byte
}

// module is what Instrument needs to know about the input.
type module struct {
	secs            []section
	importedGlobals uint32
	definedGlobals  uint32
	hasMemory       bool
	importedMemory  bool
	start           int64    // start function index, or -1
	params          []uint32 // parameter count of each type
	funcTypes       []uint32 // type of each defined function
}

// Instrument returns an instrumented copy of the binary bin.
func Instrument(bin []byte) ([]byte, error) {
	m, err := parse(bin)
	if err != nil {
		return nil, err
	}
	stop := m.importedGlobals + m.definedGlobals
	extra := uint32(1)
	if m.start >= 0 {
		extra = 2
	}
	ck := checks{stop: stop, memory: m.hasMemory}
	// The code is rewritten first: it says whether instructions name data
	// segments, and the data count section, before it, depends on that.
	var code, data []byte
	var dataCount uint32
	dataRefs := false
	for _, s := range m.secs {
		if s.id == secCode {
			if code, dataRefs, err = rewriteCode(s.body, m, ck); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range m.secs {
		if s.id == secData && !dataRefs && !m.importedMemory {
			data, dataCount, _ = coalesceData(s.body)
		}
	}

	out := append([]byte(nil), bin[:8]...)
	emit := func(id byte, body []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	var pending []byte // sections to create, in order
	if !has(m.secs, secGlobal) {
		pending = append(pending, secGlobal)
	}
	if !has(m.secs, secExport) {
		pending = append(pending, secExport)
	}
	// flush emits the created sections that must come before a section
	// with id next (0xff: the end).
	flush := func(next byte) {
		for len(pending) > 0 && (next == 0xff || order[next] > order[pending[0]]) {
			if pending[0] == secGlobal {
				emit(secGlobal, appendStopGlobal(appendU32(nil, 1)))
			} else {
				emit(secExport, appendNewExports(appendU32(nil, extra), stop, m.start))
			}
			pending = pending[1:]
		}
	}
	for _, s := range m.secs {
		if s.id != secCustom {
			flush(s.id)
		}
		switch s.id {
		case secGlobal:
			r := &reader{b: s.body}
			n := r.u32()
			emit(s.id, appendStopGlobal(append(appendU32(nil, n+1), s.body[r.off:]...)))
		case secStart:
			// exported as StartExport instead
		case secExport:
			body, err := rewriteExports(s.body, stop, m.start, extra)
			if err != nil {
				return nil, err
			}
			emit(s.id, body)
		case secCode:
			emit(s.id, code)
		case secData:
			if data != nil {
				emit(s.id, data)
			} else {
				emit(s.id, s.body)
			}
		case secDataCnt:
			if data != nil {
				emit(s.id, appendU32(nil, dataCount))
			} else {
				emit(s.id, s.body)
			}
		default:
			emit(s.id, s.body)
		}
	}
	flush(0xff)
	return out, nil
}

func parse(bin []byte) (*module, error) {
	if len(bin) < 8 || !bytes.Equal(bin[:4], []byte("\x00asm")) || !bytes.Equal(bin[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", ErrUnsupported)
	}
	m := &module{start: -1}
	r := &reader{b: bin, off: 8}
	for r.off < len(bin) {
		id := r.byte()
		body := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil, r.err
		}
		if id == secCustom {
			nr := &reader{b: body}
			if name := string(nr.bytes(int(nr.u32()))); nr.err == nil && strings.HasPrefix(name, ".debug_") {
				continue // DWARF refers to code offsets the rewrite moves
			}
		}
		m.secs = append(m.secs, section{id, body})
		sr := &reader{b: body}
		switch id {
		case secType:
			for range sr.count() {
				if form := sr.byte(); form != 0x60 {
					sr.fail("type form %#x", form)
				}
				np := sr.count()
				for range np {
					sr.valtype()
				}
				for range sr.count() {
					sr.valtype()
				}
				m.params = append(m.params, np)
				if sr.err != nil {
					break
				}
			}
		case secImport:
			sr.err = m.countImports(sr)
		case secFunction:
			for range sr.count() {
				m.funcTypes = append(m.funcTypes, sr.u32())
				if sr.err != nil {
					break
				}
			}
		case secMemory:
			m.hasMemory = m.hasMemory || sr.u32() > 0
		case secGlobal:
			m.definedGlobals = sr.u32()
		case secStart:
			m.start = int64(sr.u32())
		}
		if sr.err != nil {
			return nil, sr.err
		}
	}
	return m, nil
}

func (m *module) countImports(r *reader) error {
	for range r.count() {
		r.bytes(int(r.u32()))
		r.bytes(int(r.u32()))
		switch kind := r.byte(); kind {
		case extFunc:
			r.u32()
		case 1: // table: reftype, limits
			r.byte()
			r.limits()
		case extMemory:
			r.limits()
			m.hasMemory = true
			m.importedMemory = true
		case extGlobal:
			r.valtype()
			r.byte()
			m.importedGlobals++
		case 4: // tag
			r.byte()
			r.u32()
		default:
			r.fail("import kind %#x", kind)
		}
		if r.err != nil {
			return r.err
		}
	}
	return r.err
}

func has(secs []section, id byte) bool {
	for _, s := range secs {
		if s.id == id {
			return true
		}
	}
	return false
}

// appendStopGlobal appends the new global: a mutable i32 initialised to 0.
func appendStopGlobal(dst []byte) []byte { return append(dst, valI32, 1, 0x41, 0, opEnd) }

// appendNewExports appends the export of the stop global and, if there is
// one, of the start function.
func appendNewExports(dst []byte, stop uint32, start int64) []byte {
	dst = appendU32(dst, uint32(len(StopExport)))
	dst = append(dst, StopExport...)
	dst = append(dst, extGlobal)
	dst = appendU32(dst, stop)
	if start >= 0 {
		dst = appendU32(dst, uint32(len(StartExport)))
		dst = append(dst, StartExport...)
		dst = append(dst, extFunc)
		dst = appendU32(dst, uint32(start))
	}
	return dst
}

func rewriteExports(body []byte, stop uint32, start int64, extra uint32) ([]byte, error) {
	r := &reader{b: body}
	n := r.count()
	first := r.off
	for range n {
		name := string(r.bytes(int(r.u32())))
		r.byte()
		r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if strings.HasPrefix(name, reservedPf) {
			return nil, fmt.Errorf("%w: export %q uses the reserved prefix %q", ErrUnsupported, name, reservedPf)
		}
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("%w: export section has trailing bytes", ErrUnsupported)
	}
	return appendNewExports(append(appendU32(nil, n+extra), body[first:]...), stop, start), nil
}

// checks builds the instruction sequences inserted into function bodies.
type checks struct {
	stop   uint32 // index of the stop global
	memory bool   // the module has a memory (for the memory.grow exit)
}

// entry is inserted at every function entry: trap if stopped.
func (c checks) entry(dst []byte) []byte {
	dst = appendU32(append(dst, 0x23), c.stop)  // global.get $stop
	return append(dst, 0x04, 0x40, 0x00, opEnd) // if unreachable end
}

// loop is inserted after every loop's block type; counter is the index of
// the local added to the function.
func (c checks) loop(dst []byte, counter uint32) []byte {
	dst = appendU32(append(dst, 0x20), counter) // local.get $n
	dst = append(dst, 0x41, 0x01, 0x6a)         // i32.const 1; i32.add
	dst = appendU32(append(dst, 0x22), counter) // local.tee $n
	dst = appendS32(append(dst, 0x41), Interval)
	dst = append(dst, 0x4f, 0x04, 0x40) // i32.ge_u; if
	dst = append(dst, 0x41, 0x00)       //   i32.const 0
	dst = appendU32(append(dst, 0x21), counter)
	dst = c.entry(dst) //   trap if stopped
	if c.memory {
		dst = append(dst, 0x41, 0x00, 0x40, 0x00, 0x1a) // i32.const 0; memory.grow 0; drop
	}
	return append(dst, opEnd)
}
