//go:build !wasip1

package sdk

import (
	"crypto/rand"
	"os"
	"time"
)

// Stand-ins for the host imports when the SDK is built natively, so that
// plugins can be unit-tested with plain go test.

var levelNames = [...]string{"DEBUG", "INFO", "WARN", "ERROR"}

func hostLog(level Level, msg string) {
	name := "LEVEL?"
	if level >= 0 && int(level) < len(levelNames) {
		name = levelNames[level]
	}
	os.Stderr.WriteString("kafkawasm plugin " + name + ": " + msg + "\n")
}

func hostNow() int64 { return time.Now().UnixNano() }

var monoStart = time.Now()

func hostMonotonic() int64 { return int64(time.Since(monoStart)) }

func hostRandom(buf []byte) { _, _ = rand.Read(buf) }

func hostConfigGet(string, []byte) int32 { return -1 }

// lastError records what set_error would have received, for tests.
var lastError string

func setError(msg string) { lastError = msg }
