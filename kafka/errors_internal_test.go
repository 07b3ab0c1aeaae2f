package kafka

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestErrorTableMatchesSpec checks the generated error table (errcodes.go)
// against Kafka's list in ../shared/kafka-protocol/errors.tsv: same codes,
// names and retriable flags, nothing missing and nothing extra.
func TestErrorTableMatchesSpec(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "kafka-protocol", "errors.tsv")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (required in CI)", path, err)
		}
		t.Skipf("%s not available: %v", path, err)
	}
	defer f.Close()
	seen := map[int16]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 || strings.TrimSpace(sc.Text()) == "" {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 {
			t.Fatalf("%s:%d: %d columns, want 3", path, line, len(cols))
		}
		code, err := strconv.ParseInt(cols[0], 10, 16)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		if cols[2] != "yes" && cols[2] != "no" {
			t.Fatalf("%s:%d: retriable %q", path, line, cols[2])
		}
		seen[int16(code)] = true
		info, ok := errorTable[int16(code)]
		switch {
		case !ok:
			t.Errorf("code %d (%s) missing from errorTable", code, cols[1])
		case info.name != cols[1]:
			t.Errorf("code %d: name %q, want %q", code, info.name, cols[1])
		case info.retriable != (cols[2] == "yes"):
			t.Errorf("code %d (%s): retriable %v, want %v", code, cols[1], info.retriable, cols[2] == "yes")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 100 {
		t.Fatalf("only %d codes in %s", len(seen), path)
	}
	for code, info := range errorTable {
		if !seen[code] {
			t.Errorf("errorTable has code %d (%s), which errors.tsv does not list", code, info.name)
		}
	}
}
