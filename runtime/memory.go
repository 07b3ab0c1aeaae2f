package runtime

// sliceMemory is a linear memory in a Go slice that grows by copying:
// what wazero does by default, for where a mapping cannot be made.
type sliceMemory struct {
	max uint64
	buf []byte
}

// Reallocate grows the slice to size bytes (new bytes zero), or returns nil
// past max.
func (m *sliceMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if n := uint64(len(m.buf)); size > n {
		m.buf = append(m.buf, make([]byte, size-n)...)
	}
	return m.buf[:size]
}

// Free drops the slice.
func (m *sliceMemory) Free() { m.buf = nil }
