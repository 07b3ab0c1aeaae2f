//go:build !(linux || darwin)

package runtime

import "github.com/tetratelabs/wazero/experimental"

// memoryMapped says that memoryAllocator maps memories (they never move).
const memoryMapped = false

// memoryAllocator is nil here: wazero allocates linear memories itself.
var memoryAllocator experimental.MemoryAllocator
