package main_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
)

// binary is the kafkawasm binary under test, built once by TestMain.
var binary string

// fixtures holds the runtime's hand-written test plugins.
var fixtures, _ = filepath.Abs("../../plugins/testdata/hostile")

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kafkawasm-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "kafkawasm")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building kafkawasm:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}

// cluster is a Kafka cluster the tests produce to.
type cluster struct {
	name    string
	brokers []string
	real    bool
}

func (c cluster) bootstrap() string { return strings.Join(c.brokers, ",") }

// createTopic creates a topic with n partitions.
func (c cluster) createTopic(t *testing.T, prefix string, n int32) string {
	t.Helper()
	topic := testkafka.TopicName(t, prefix)
	testkafka.CreateTopic(t, c.brokers, topic, n, nil)
	return topic
}

// forEachCluster runs fn against an in-process kfake cluster (always) and
// against the real broker of KAFKA_BOOTSTRAP (skipped when unset, except
// in CI where testkafka.Brokers fails the test).
func forEachCluster(t *testing.T, fn func(t *testing.T, c cluster)) {
	t.Run("kfake", func(t *testing.T) {
		_, addrs := testkafka.StartKfake(t, 1)
		fn(t, cluster{name: "kfake", brokers: addrs})
	})
	t.Run("kafka", func(t *testing.T) {
		fn(t, cluster{name: "kafka", brokers: testkafka.Brokers(t), real: true})
	})
}

// writeConfig writes a producer.toml (FIXTURES replaced by the fixture
// directory) into a temporary directory and returns its path.
func writeConfig(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "producer.toml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(src, "FIXTURES", fixtures)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes data into a temporary file and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running kafkawasm.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	lines  chan string // stdout lines
	done   chan struct{}
	code   int
}

// childEnv is the environment of the processes under test.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAFKAWASM_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// start runs kafkawasm with args in the background; it is killed at the
// end of the test if still running.
func start(t *testing.T, stdin io.Reader, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, lines: make(chan string, 1024), done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = childEnv(env...)
	p.cmd.Stdin = stdin
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			line := sc.Text()
			p.stdout.Write([]byte(line + "\n"))
			select {
			case p.lines <- line:
			default:
			}
		}
		io.Copy(io.Discard, out)
		err := p.cmd.Wait()
		p.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
			if t.Failed() {
				t.Logf("kafkawasm %s stderr:\n%s", strings.Join(args, " "), p.stderr.String())
			}
		}
	})
	return p
}

// firstLine waits for the process's first stdout line.
func (p *proc) firstLine(timeout time.Duration) string {
	p.t.Helper()
	select {
	case l := <-p.lines:
		return l
	case <-p.done:
		p.t.Fatalf("exited with %d before printing; stderr:\n%s", p.code, p.stderr.String())
	case <-time.After(timeout):
		p.t.Fatalf("no output after %v; stderr:\n%s", timeout, p.stderr.String())
	}
	return ""
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the exit code.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(timeout):
		p.t.Fatalf("still running after %v; stderr:\n%s", timeout, p.stderr.String())
	}
	return -1
}

// run runs kafkawasm to completion.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var in io.Reader
	if stdin != "" {
		in = strings.NewReader(stdin)
	}
	p := start(t, in, nil, args...)
	code = p.wait(2 * time.Minute)
	return p.stdout.String(), p.stderr.String(), code
}

// result is one --print-results line.
type result struct {
	topic     string
	partition int32
	offset    int64
	line      int
	rest      string
}

func parseResults(t *testing.T, stdout string) map[int]result {
	t.Helper()
	out := map[int]result{}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var r result
		if _, err := fmt.Sscanf(l, "%s %d %d line=%d", &r.topic, &r.partition, &r.offset, &r.line); err != nil {
			t.Fatalf("result line %q: %v", l, err)
		}
		r.rest = l
		out[r.line] = r
	}
	return out
}

// ctx returns a context bound to the test's deadline.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}
