package guard

import (
	"fmt"
)

// rewriteCode inserts the entry check at the start of every function body
// and the loop check after the block type of every loop instruction, and
// gives every function one more i32 local, the loop counter. dataRefs
// reports whether an instruction names a data segment (memory.init,
// data.drop).
func rewriteCode(body []byte, m *module, ck checks) (out []byte, dataRefs bool, err error) {
	r := &reader{b: body}
	n := r.count()
	if int(n) != len(m.funcTypes) {
		return nil, false, fmt.Errorf("%w: %d function bodies for %d functions", ErrUnsupported, n, len(m.funcTypes))
	}
	out = appendU32(make([]byte, 0, len(body)+len(body)/4), n)
	var fn []byte
	for i := range n {
		fbody := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil, false, r.err
		}
		t := m.funcTypes[i]
		if int(t) >= len(m.params) {
			return nil, false, fmt.Errorf("%w: function %d has type %d of %d", ErrUnsupported, i, t, len(m.params))
		}
		var refs bool
		fn, refs, err = rewriteFunc(fn[:0], fbody, m.params[t], ck)
		if err != nil {
			return nil, false, fmt.Errorf("%w: function %d: %v", ErrUnsupported, i, err)
		}
		dataRefs = dataRefs || refs
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.off != len(body) {
		return nil, false, fmt.Errorf("%w: code section has trailing bytes", ErrUnsupported)
	}
	return out, dataRefs, nil
}

func rewriteFunc(dst, body []byte, params uint32, ck checks) ([]byte, bool, error) {
	r := &reader{b: body}
	groups := r.count()
	first := r.off
	counter := uint64(params)
	for range groups {
		counter += uint64(r.u32())
		r.valtype()
	}
	if r.err != nil {
		return nil, false, r.err
	}
	if counter >= 50000 {
		return nil, false, fmt.Errorf("too many locals (%d)", counter)
	}
	// Locals: the original groups, then one i32, the loop counter.
	dst = appendU32(dst, groups+1)
	dst = append(dst, body[first:r.off]...)
	dst = append(dst, 1, valI32)
	// The body goes to rest first: the entry check is only needed if the
	// function calls (a cycle of calls has to pass through a function
	// that calls; a leaf function without loops always ends).
	rest := make([]byte, 0, len(body)+len(body)/8)
	calls := false
	last := r.off
	for r.off < len(body) && r.err == nil {
		switch op := r.instr(); {
		case r.err != nil:
		case op == 0x03: // loop
			rest = append(rest, body[last:r.off]...)
			rest = ck.loop(rest, uint32(counter))
			last = r.off
		case op >= 0x10 && op <= 0x15: // call, call_indirect, return_call*, call_ref*
			calls = true
		}
	}
	if r.err != nil {
		return nil, false, r.err
	}
	if calls {
		dst = ck.entry(dst)
	}
	dst = append(dst, rest...)
	return append(dst, body[last:]...), r.dataRefs, nil
}

// instr skips one instruction and its immediates and returns its opcode.
func (r *reader) instr() byte {
	op := r.byte()
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06: // block loop if try
		r.s33()
	case op == 0x07 || op == 0x08 || op == 0x09 || op == 0x18: // catch throw rethrow delegate
		r.u32()
	case op == 0x0c || op == 0x0d: // br br_if
		r.u32()
	case op == 0x0e: // br_table
		for range r.count() {
			r.u32()
		}
		r.u32()
	case op == 0x10 || op == 0x12 || op == 0x14 || op == 0x15: // call return_call call_ref return_call_ref
		r.u32()
	case op == 0x11 || op == 0x13: // call_indirect return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select t*
		for range r.count() {
			r.valtype()
		}
	case op == 0x1f: // try_table
		r.s33()
		for range r.count() {
			switch k := r.byte(); k {
			case 0, 1:
				r.u32()
				r.u32()
			case 2, 3:
				r.u32()
			default:
				r.fail("try_table catch kind %#x", k)
			}
		}
	case op >= 0x20 && op <= 0x26: // locals, globals, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.u32()
		r.u32()
	case op == 0x3f || op == 0x40: // memory.size memory.grow
		r.u32()
	case op == 0x41:
		r.s64()
	case op == 0x42:
		r.s64()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null heaptype
		r.s33()
	case op == 0xd2 || op == 0xd4 || op == 0xd6: // ref.func br_on_null br_on_non_null
		r.u32()
	case op == 0xfc:
		if sub := r.miscOp(); sub == 8 || sub == 9 { // memory.init data.drop
			r.dataRefs = true
		}
	case op == 0xfd:
		r.simdOp()
	case op == 0xfe:
		if sub := r.u32(); sub == 0x03 { // atomic.fence
			r.byte()
		} else {
			r.u32()
			r.u32()
		}
	case op <= 0x01, op == 0x05, op == 0x0a, op == 0x0b, op == 0x0f, op == 0x19, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1, op == 0xd3:
		// no immediates
	default:
		r.fail("unknown opcode %#x", op)
	}
	return op
}

func (r *reader) miscOp() uint32 {
	sub := r.u32()
	switch {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init dataidx memidx
		r.u32()
		r.u32()
	case sub == 9, sub == 13, sub == 15, sub == 16, sub == 17: // data.drop elem.drop table.grow/size/fill
		r.u32()
	case sub == 10, sub == 12, sub == 14: // memory.copy table.init table.copy
		r.u32()
		r.u32()
	case sub == 11: // memory.fill
		r.u32()
	default:
		r.fail("unknown 0xfc opcode %d", sub)
	}
	return sub
}

func (r *reader) simdOp() {
	switch sub := r.u32(); {
	case sub <= 11, sub == 92, sub == 93: // v128 loads and stores
		r.u32()
		r.u32()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load/store lane
		r.u32()
		r.u32()
		r.byte()
	case sub <= 0x113: // no immediates
	default:
		r.fail("unknown 0xfd opcode %d", sub)
	}
}
