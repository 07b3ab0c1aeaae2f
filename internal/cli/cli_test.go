package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
)

// These tests run commands in-process (so the race detector sees them);
// cmd/kafkawasm drives the built binary end to end.

type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func testEnv(stdin string) (Env, *buffer, *buffer) {
	out, errb := &buffer{}, &buffer{}
	return Env{Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errb, Getenv: func(string) string { return "" }}, out, errb
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{nil, ExitUsage, "Commands:"},
		{[]string{"--help"}, ExitOK, "Exit codes"},
		{[]string{"help", "produce"}, ExitOK, "--print-results"},
		{[]string{"bogus"}, ExitUsage, `unknown command "bogus"`},
		{[]string{"produce"}, ExitUsage, "--topic is required"},
		{[]string{"produce", "-t", "x", "--chunk", "0"}, ExitUsage, "--chunk"},
		{[]string{"produce", "-t", "x", "a", "b"}, ExitUsage, "at most one input file"},
		{[]string{"produce", "-t", "x", "/does/not/exist"}, ExitUsage, "no such file"},
		{[]string{"produce", "-t", "x", "--log-level", "loud"}, ExitUsage, "--log-level"},
		{[]string{"serve", "--topic-wait", "0s"}, ExitUsage, "--topic-wait"},
		{[]string{"validate", "-c", "/does/not/exist.toml"}, ExitUsage, "no such file"},
		{[]string{"plugin"}, ExitUsage, "inspect"},
		{[]string{"plugin", "frob"}, ExitUsage, "unknown subcommand"},
		{[]string{"broker", "--port", "-1"}, ExitUsage, "--port"},
		{[]string{"--version"}, ExitOK, "kafkawasm "},
	} {
		env, out, errb := testEnv("")
		if code := Main(tc.args, env); code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
			t.Errorf("%v: exit %d, output:\n%s%s\nwant exit %d and %q", tc.args, code, out, errb, tc.code, tc.out)
		}
	}
}

func TestParseInterleaved(t *testing.T) {
	var topic string
	var pr bool
	f := newFlags(&command{name: "x"})
	f.String(&topic, "t,topic", "", "T", "")
	f.Bool(&pr, "print-results", "")
	pos, err := f.parse([]string{"file.jsonl", "-t", "a", "--print-results", "-", "--", "-odd"}, io.Discard)
	if err != nil || topic != "a" || !pr || strings.Join(pos, "|") != "file.jsonl|-|-odd" {
		t.Fatalf("pos %q topic %q pr %v err %v", pos, topic, pr, err)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{5: "5 B", 1500: "1.5 kB", 2_500_000: "2.5 MB", 3_000_000_000: "3.00 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("%d: %q", n, got)
		}
	}
}

func TestProduceInProcess(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 1)
	topic := testkafka.TopicName(t, "inproc")
	testkafka.CreateTopic(t, addrs, topic, 2, nil)
	var in strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&in, `{"key":"k%d","value":"v%d","headers":[["i","%d"]]}`+"\n", i%13, i, i)
	}
	in.WriteString("not json\n")
	env, out, errb := testEnv(in.String())
	code := Main([]string{"produce", "-b", strings.Join(addrs, ","), "-t", topic, "--print-results", "--chunk", "100", "--progress", "always"}, env)
	if code != ExitFailed || !strings.Contains(errb.String(), "line 5001: skipped: malformed") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb)
	}
	if n := strings.Count(out.String(), "\n"); n != 5000 {
		t.Fatalf("%d result lines", n)
	}
	got := testkafka.ReadAll(t, addrs, topic, 5000, 30*time.Second)
	if len(got) != 5000 {
		t.Fatalf("read %d", len(got))
	}
}

// TestServeInProcess posts from several goroutines while the config is
// reloaded twice, then shuts down; every acknowledged record must be in
// the topic once.
func TestServeInProcess(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 1)
	topic := testkafka.TopicName(t, "serve")
	testkafka.CreateTopic(t, addrs, topic, 3, nil)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "producer.toml")
	write := func(linger int) {
		os.WriteFile(cfg, []byte(fmt.Sprintf("[producer]\nlinger_ms = %d\n", linger)), 0o644)
	}
	write(1)
	sigs := make(chan os.Signal, 4)
	pr, pw := io.Pipe()
	errb := &buffer{}
	env := Env{Stdout: pw, Stderr: errb, Getenv: func(string) string { return "" }, Signals: sigs}
	done := make(chan int)
	go func() {
		done <- Main([]string{"serve", "-c", cfg, "-b", strings.Join(addrs, ","), "--listen", "127.0.0.1:0"}, env)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err, errb)
	}
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(line) + "/topics/" + topic

	var mu sync.Mutex
	acked := 0
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"records":[{"value":"c%d-%d-a"},{"value":"c%d-%d-b"}]}`, c, i, c, i)
				resp, err := http.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					return
				}
				var r struct{ Offsets []struct{ ErrorCode *int } }
				json.NewDecoder(resp.Body).Decode(&r)
				resp.Body.Close()
				if resp.StatusCode == 200 && len(r.Offsets) == 2 && r.Offsets[0].ErrorCode == nil {
					mu.Lock()
					acked += 2
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	write(0)
	sigs <- syscall.SIGHUP
	time.Sleep(200 * time.Millisecond)
	write(7)
	sigs <- syscall.SIGHUP
	time.Sleep(200 * time.Millisecond)
	sigs <- syscall.SIGTERM
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, errb)
	}
	close(stop)
	wg.Wait()
	if strings.Count(errb.String(), "reloaded") != 2 {
		t.Errorf("want two reloads:\n%s", errb)
	}
	got := testkafka.ReadAll(t, addrs, topic, acked, 30*time.Second, testkafka.QuietPeriod(time.Second))
	seen := map[string]bool{}
	for _, r := range got {
		if seen[string(r.Value)] {
			t.Errorf("duplicate %s", r.Value)
		}
		seen[string(r.Value)] = true
	}
	if len(got) != acked || acked == 0 {
		t.Errorf("%d records in the topic, %d acknowledged", len(got), acked)
	}
}
