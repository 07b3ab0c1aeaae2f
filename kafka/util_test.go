package kafka_test

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("KAFKAWASM_TEST_DEBUG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
