package guard

import (
	"cmp"
	"slices"
)

// maxDataGap is the longest run of zero bytes coalesceData writes between
// two data segments to merge them. A segment costs the host a few hundred
// nanoseconds to decode, validate and apply at every instantiation (Go's
// linker emits ~27,000 of them, mostly 17 to 32 bytes apart); copying a
// kilobyte of zeros costs about as much.
const maxDataGap = 1024

// maxDataFill bounds the zeros coalesceData adds, with the size of the
// section: the output is at most twice the input plus maxDataFill.
const maxDataFill = 64 << 10

// dataSegment is an active data segment of memory 0 with a constant offset.
type dataSegment struct {
	off  uint64
	init []byte
}

// coalesceData merges the data segments of a data section body into as few
// as possible, filling the gaps between them with zeros. It does so only
// when that cannot be observed: every segment is active, in memory 0, at an
// i32.const offset, no two segments overlap (so the order in which they are
// applied does not matter), the memory is the module's own (it starts
// zeroed) and no instruction names a segment (memory.init, data.drop; the
// caller checks). It adds at most len(body)+maxDataFill zeros. ok is false
// when the section is to be kept as it is.
func coalesceData(body []byte) (out []byte, n uint32, ok bool) {
	segs, ok := parseData(body)
	if !ok || len(segs) < 2 {
		return nil, 0, false
	}
	slices.SortStableFunc(segs, func(a, b dataSegment) int { return cmp.Compare(a.off, b.off) })
	for i := 1; i < len(segs); i++ {
		if segs[i].off < segs[i-1].off+uint64(len(segs[i-1].init)) {
			return nil, 0, false
		}
	}
	budget := uint64(len(body)) + maxDataFill // zeros still allowed
	fill := 0                                 // zeros added
	type run struct {
		off        uint64
		first, end int // segs[first:end]
		size       uint64
	}
	runs := []run{{off: segs[0].off, first: 0, end: 1, size: uint64(len(segs[0].init))}}
	for i := 1; i < len(segs); i++ {
		cur := &runs[len(runs)-1]
		gap := segs[i].off - (cur.off + cur.size)
		if gap <= maxDataGap && gap <= budget {
			budget -= gap
			fill += int(gap)
			cur.end = i + 1
			cur.size += gap + uint64(len(segs[i].init))
			continue
		}
		runs = append(runs, run{off: segs[i].off, first: i, end: i + 1, size: uint64(len(segs[i].init))})
	}
	if len(runs) == len(segs) {
		return nil, 0, false
	}
	out = appendU32(make([]byte, 0, len(body)+fill), uint32(len(runs)))
	for _, r := range runs {
		out = append(out, 0, 0x41) // active, memory 0; i32.const
		out = appendS32(out, int32(uint32(r.off)))
		out = append(out, opEnd)
		out = appendU32(out, uint32(r.size))
		pos := r.off
		for _, s := range segs[r.first:r.end] {
			out = append(out, make([]byte, s.off-pos)...)
			out = append(out, s.init...)
			pos = s.off + uint64(len(s.init))
		}
	}
	return out, uint32(len(runs)), true
}

// parseData decodes a data section body; ok is false if a segment is not
// an active segment of memory 0 with an i32.const offset, or if the body is
// malformed (the section is then left for the runtime to reject).
func parseData(body []byte) ([]dataSegment, bool) {
	r := &reader{b: body}
	n := r.count()
	segs := make([]dataSegment, 0, n)
	for range n {
		switch flags := r.u32(); flags {
		case 0:
		case 2:
			if r.u32() != 0 {
				return nil, false
			}
		default: // passive, or malformed
			return nil, false
		}
		if r.byte() != 0x41 {
			return nil, false
		}
		off := uint64(uint32(r.s32()))
		if r.byte() != opEnd {
			return nil, false
		}
		init := r.bytes(int(r.u32()))
		if r.err != nil || off+uint64(len(init)) > 1<<32 {
			return nil, false
		}
		segs = append(segs, dataSegment{off, init})
	}
	if r.err != nil || r.off != len(body) {
		return nil, false
	}
	return segs, true
}
