//go:build linux || darwin

package runtime

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mmapMemory backs one instance's linear memory with an anonymous private
// mapping of the memory's maximum size, made once. Growing the memory only
// lengthens the slice: nothing is copied (wazero's default appends to a Go
// slice, copying the whole memory as a guest grows, which a Go guest does
// a dozen times while its runtime starts), pages are faulted in, already
// zeroed, as the guest first touches them, and Free returns them to the
// operating system at once instead of leaving a large object to Go's GC.
//
// Only the pages a guest touches use memory; the rest is address space
// (the max is the plugin's max_memory_mb, the only maximum a module gets
// here). Used by one instance, which wazero never grows concurrently with
// a call of the same instance.
type mmapMemory struct {
	buf []byte // the whole mapping; nil after Free
}

// memoryAllocator is the allocator of instances' linear memories. When a
// mapping cannot be made (an address-space limit, say), the memory is a Go
// slice that grows by copying, as wazero's own.
var memoryAllocator experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(
	func(capacity, max uint64) experimental.LinearMemory {
		if max > 0 && max <= 1<<32 {
			buf, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
				syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
			if err == nil {
				return &mmapMemory{buf: buf}
			}
		}
		return &sliceMemory{max: max, buf: make([]byte, 0, capacity)}
	})

// Reallocate returns the first size bytes of the mapping, or nil (memory.grow
// fails in the guest) past its end.
func (m *mmapMemory) Reallocate(size uint64) []byte {
	if m.buf == nil || size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size:size]
}

// Free unmaps the memory. wazero calls it once, when the instance closes.
func (m *mmapMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}
