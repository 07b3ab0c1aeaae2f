package sdk

import "time"

// Level is a log level understood by the host's log import.
type Level int32

// Log levels, as the host maps them to slog levels.
const (
	LevelDebug Level = 0
	LevelInfo  Level = 1
	LevelWarn  Level = 2
	LevelError Level = 3
)

// Log writes msg to the producer's logger, tagged with the plugin's name.
func Log(level Level, msg string) { hostLog(level, msg) }

// Now returns the host's wall clock.
func Now() time.Time { return time.Unix(0, hostNow()) }

// Monotonic returns the host's monotonic clock in nanoseconds; only
// differences between two readings are meaningful.
func Monotonic() int64 { return hostMonotonic() }

// Random fills buf with crypto-seeded random bytes from the host. Prefer one
// call for many bytes: each call crosses into the host.
func Random(buf []byte) {
	if len(buf) > 0 {
		hostRandom(buf)
	}
}

// ConfigValue returns the JSON text of the top-level key of the plugin's
// config table, or false if the key is absent.
func ConfigValue(key string) ([]byte, bool) {
	buf := make([]byte, 256)
	for {
		n := hostConfigGet(key, buf)
		if n < 0 {
			return nil, false
		}
		if int(n) <= len(buf) {
			return buf[:n], true
		}
		buf = make([]byte, n)
	}
}
