package main_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/twmb/franz-go/pkg/kadm"
)

// benchLines is the size of BenchmarkProduceFile's input.
const benchLines = 1_000_000

// BenchmarkProduceFile produces a 1,000,000-line file with `kafkawasm
// produce --format lines` and with `kcat -P -l` (librdkafka), to the same
// broker in the same run, and reports the records/s of each and their
// ratio (kafkawasm / kcat). Both use acks=all and no compression. Two
// kafkawasm settings are measured against kcat's defaults:
//
//   - seed-defaults: producer.toml's defaults (max_batch_bytes = 16384,
//     linger_ms = 5);
//   - 1MB-batches: max_batch_bytes = 1000000, librdkafka's batch.size
//     default, so both send the same batches.
//
// The broker is KAFKA_BOOTSTRAP's when set, else a `kafkawasm broker`
// process.
//
//	go test ./cmd/kafkawasm -run '^$' -bench ProduceFile -benchtime 3x
func BenchmarkProduceFile(b *testing.B) {
	for _, v := range []struct{ name, config string }{
		{"seed-defaults", ""},
		{"1MB-batches", "[producer]\nmax_batch_bytes = 1000000\n"},
	} {
		b.Run(v.name, func(b *testing.B) { benchmarkProduceFile(b, v.config) })
	}
}

func benchmarkProduceFile(b *testing.B, config string) {
	kcat, err := exec.LookPath(testkafka.KcatPath)
	if err != nil {
		if testkafka.InCI() {
			b.Fatal("kcat not found (apt-get install -y kcat)")
		}
		b.Skip("kcat not found (apt-get install -y kcat)")
	}
	brokers := os.Getenv(testkafka.EnvBootstrap)
	if brokers == "" {
		brokers = startBench(b, "broker", "--port", "0", "--partitions", "3")
	}
	file := benchFile(b)
	cfg := filepath.Join(b.TempDir(), "producer.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		b.Fatal(err)
	}
	bl := testkafka.SplitBrokers(brokers)
	var kwTotal, kcatTotal time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		kwTopic := testkafka.TopicName(b, "bench-kw")
		kcatTopic := testkafka.TopicName(b, "bench-kcat")
		testkafka.CreateTopic(b, bl, kwTopic, 3, nil)
		testkafka.CreateTopic(b, bl, kcatTopic, 3, nil)
		b.StartTimer()

		start := time.Now()
		out, err := exec.Command(binary, "produce", "-c", cfg, "--format", "lines", "--brokers", brokers, "-t", kwTopic, "--progress", "never", file).CombinedOutput()
		kw := time.Since(start)
		if err != nil || !strings.Contains(string(out), fmt.Sprintf("produced %d records", benchLines)) {
			b.Fatalf("kafkawasm produce: %v\n%s", err, out)
		}
		start = time.Now()
		out, err = exec.Command(kcat, "-P", "-b", brokers, "-t", kcatTopic, "-l", file).CombinedOutput()
		kc := time.Since(start)
		if err != nil {
			b.Fatalf("kcat: %v\n%s", err, out)
		}

		b.StopTimer()
		for _, topic := range []string{kwTopic, kcatTopic} {
			if n := endOffsets(b, bl, topic); n != benchLines {
				b.Fatalf("%s holds %d records, want %d", topic, n, benchLines)
			}
		}
		b.StartTimer()
		kwTotal += kw
		kcatTotal += kc
	}
	kwRate := float64(benchLines*b.N) / kwTotal.Seconds()
	kcatRate := float64(benchLines*b.N) / kcatTotal.Seconds()
	b.ReportMetric(kwRate, "kafkawasm-rec/s")
	b.ReportMetric(kcatRate, "kcat-rec/s")
	b.ReportMetric(kwRate/kcatRate, "kafkawasm/kcat")
	b.ReportMetric(0, "ns/op")
}

// startBench starts a background kafkawasm (for the benchmark's broker)
// and returns its first stdout line.
func startBench(b *testing.B, args ...string) string {
	b.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = childEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("kafkawasm %v: %v", args, err)
	}
	return strings.TrimSpace(line)
}

var (
	benchOnce sync.Once
	benchPath string
)

// benchFile returns a file of benchLines JSON-ish lines of about 100
// bytes, written once per process.
func benchFile(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kafkawasm-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchPath = filepath.Join(dir, "lines.txt")
		writeBenchFile(b, benchPath)
	})
	return benchPath
}

// writeBenchFile writes benchLines JSON-ish lines of about 100 bytes.
func writeBenchFile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range benchLines {
		fmt.Fprintf(w, `{"event":"click","user":"user-%d","seq":%d,"page":"/products/%d","pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}`+"\n", i%1000, i, i%97)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// endOffsets sums the topic's partitions' end offsets.
func endOffsets(b *testing.B, brokers []string, topic string) int64 {
	adm := testkafka.NewAdmin(b, brokers)
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	offs, err := adm.ListEndOffsets(c, topic)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	offs.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}
