//go:build !(linux || darwin)

package runtime

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator is nil here: wazero allocates linear memories itself.
var memoryAllocator experimental.MemoryAllocator
