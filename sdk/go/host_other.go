//go:build !wasip1

package sdk

import (
	"crypto/rand"
	"crypto/sha256"
	"os"
	"time"

	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
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

func hostSHA256(data []byte) [32]byte { return sha256.Sum256(data) }

// hostScanJSON runs the host's scanner code (kwjson's reference Scan).
func hostScanJSON(src, tape, strs []byte, flags int) (nodes, strsLen, code, offset int) {
	var d kwjson.Doc
	return d.Scan(src, tape, strs, flags)
}
