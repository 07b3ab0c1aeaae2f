package main_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
)

// TestConfigErrors: each config problem makes validate and produce exit 2
// with a message naming file:line:col (or the plugin).
func TestConfigErrors(t *testing.T) {
	wasm, err := os.ReadFile(filepath.Join(fixtures, "enricher.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	good := hex.EncodeToString(sum[:])
	tests := []struct {
		name, src string
		want      string // regexp, FILE is the config's path
	}{
		{"unknown key", "[producer]\nacks = \"all\"\nlingr_ms = 5\n", `FILE:3:1: producer\.lingr_ms: unknown key "lingr_ms"`},
		{"unknown table", "[client]\n[clinet.tls]\n", `FILE:2:2: clinet: unknown key "clinet"`},
		{"wrong type", "[client]\nbrokers = \"a:9092\"\n", `FILE:2:1: client\.brokers: expected an array of strings, got string "a:9092"`},
		{"wrong type in a plugin", "[plugins.p]\nkind = \"enricher\"\npath = \"FIXTURES/enricher.wasm\"\ntimeout_ms = \"fast\"\n",
			`FILE:4:1: plugins\.p\.timeout_ms: expected an integer, got string "fast"`},
		{"syntax error", "[producer\nacks = 1\n", `FILE:\d+:\d+: `},
		{"missing plugin file", "[plugins.p]\nkind = \"enricher\"\npath = \"nope/missing.wasm\"\n",
			`FILE:3:1: plugins\.p\.path: plugin "p": file not found: .*missing\.wasm`},
		{"sha256 mismatch", "[plugins.p]\nkind = \"enricher\"\npath = \"FIXTURES/enricher.wasm\"\nsha256 = \"" + strings.Repeat("ab", 32) + "\"\n",
			`FILE:4:1: plugins\.p\.sha256: plugin "p": sha256 mismatch: .* has sha256 ` + good + `, but the config pins abab`},
		{"unknown plugin kind", "[plugins.p]\nkind = \"serializer\"\npath = \"FIXTURES/enricher.wasm\"\n",
			`FILE:2:1: plugins\.p\.kind: kind "serializer": want "partitioner", "codec" or "enricher"`},
		{"topic wired to an undefined plugin", "[topics.orders]\nenrichers = [\"trace-id\"]\n",
			`FILE:2:1: topics\.orders\.enrichers: plugin "trace-id" is not defined`},
		{"plugin of the wrong kind", "[plugins.p]\nkind = \"enricher\"\npath = \"FIXTURES/enricher.wasm\"\n[topics.t]\npartitioner = \"p\"\n",
			`FILE:5:1: topics\.t\.partitioner: plugin "p" is a enricher, not a partitioner`},
		{"plugin the host refuses", "[plugins.old]\nkind = \"partitioner\"\npath = \"FIXTURES/abi2.wasm\"\n",
			`FILE:1:\d+: plugin "old": .*plugin "old" \(partitioner\): unsupported ABI version`},
		{"plugin refuses its config", "[plugins.p]\nkind = \"partitioner\"\npath = \"FIXTURES/partitioner.wasm\"\nconfig = { refuse = true }\n",
			`plugin "p".*plugin refused its config`},
		{"SASL password variable unset", "[client]\nbrokers = [\"a:9092\"]\n[client.sasl]\nusername = \"u\"\npassword_env = \"KAFKAWASM_TEST_UNSET_PW\"\n",
			`FILE:5:1: client\.sasl\.password_env: environment variable KAFKAWASM_TEST_UNSET_PW \(the SASL password\) is not set`},
		{"unreadable TLS CA file", "[client]\nbrokers = [\"a:9092\"]\n[client.tls]\nca_file = \"/nonexistent/kafkawasm-ca.pem\"\n",
			`FILE:4:1: client\.tls\.ca_file: open /nonexistent/kafkawasm-ca\.pem: no such file or directory`},
		{"TLS CA file without PEM", "[client]\nbrokers = [\"a:9092\"]\n[client.tls]\nca_file = \"/proc/version\"\n",
			`FILE:4:1: client\.tls\.ca_file: no PEM certificates in /proc/version`},
		{"bad client certificate", "[client]\nbrokers = [\"a:9092\"]\n[client.tls]\ncert_file = \"/proc/version\"\nkey_file = \"/proc/version\"\n",
			`FILE:4:1: client\.tls\.cert_file: loading the client certificate: tls: failed to find any PEM data`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeConfig(t, tc.src)
			re := regexp.MustCompile(strings.ReplaceAll(tc.want, "FILE", regexp.QuoteMeta(cfg)))
			_, stderr, code := run(t, "", "validate", "-c", cfg)
			if code != 2 || !re.MatchString(stderr) {
				t.Errorf("validate: exit %d, stderr:\n%s\nwant exit 2 and /%s/", code, stderr, re)
			}
			_, stderr, code = run(t, "{}\n", "produce", "-c", cfg, "-t", "x", "--brokers", "127.0.0.1:1")
			if code != 2 || !re.MatchString(stderr) {
				t.Errorf("produce: exit %d, stderr:\n%s\nwant exit 2 and /%s/", code, stderr, re)
			}
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		cfg := writeConfig(t, "[producer]\nacks = \"most\"\nlinger_ms = -1\n[client]\ntimeout = 1\n[topics.t]\nvalue_codec = \"nope\"\n")
		_, stderr, code := run(t, "", "validate", "-c", cfg)
		for _, want := range []string{":2:1: producer.acks", ":3:1: producer.linger_ms", ":5:1: client.timeout", ":7:1: topics.t.value_codec", "4 problem(s)"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if code != 2 {
			t.Errorf("exit %d", code)
		}
	})
}

// TestValidateOK validates a good config and the repository's producer.toml.
func TestValidateOK(t *testing.T) {
	cfg := writeConfig(t, `
[plugins.p]
kind = "partitioner"
path = "FIXTURES/partitioner.wasm"
[plugins.e]
kind = "enricher"
path = "FIXTURES/enricher.wasm"
[topics.t]
partitioner = "p"
enrichers = ["e"]
`)
	stdout, stderr, code := run(t, "", "validate", "-c", cfg)
	if code != 0 || !strings.Contains(stdout, "OK; 2 plugin(s) loaded") || !strings.Contains(stdout, "p (partitioner, ABI 1.0, sha256 ") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	repo := "../../producer.toml"
	for _, p := range []string{"region-partitioner/region-partitioner", "json-codec/json-codec", "header-enricher/header-enricher"} {
		if _, err := os.Stat("../../plugins/" + p + ".wasm"); err != nil {
			if testkafka.InCI() {
				t.Fatalf("%s.wasm is not built (make -C plugins go)", p)
			}
			t.Skipf("the example plugins are not built (make -C plugins go): %v", err)
		}
	}
	if stdout, stderr, code := run(t, "", "validate", "-c", repo); code != 0 {
		t.Fatalf("producer.toml: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestPluginCommands runs plugin inspect, test and bench on the fixtures.
func TestPluginCommands(t *testing.T) {
	stdout, stderr, code := run(t, "", "plugin", "inspect", filepath.Join(fixtures, "partitioner.wasm"))
	for _, want := range []string{"kind:    partitioner", "abi:     1.0", "loads:   yes", "func kw_partition(i32) -> (i64)", "func kafkawasm.log"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect lacks %q (exit %d):\n%s%s", want, code, stdout, stderr)
		}
	}
	stdout, _, code = run(t, "", "plugin", "inspect", filepath.Join(fixtures, "badimport.wasm"))
	if code != 1 || !strings.Contains(stdout, "loads:   no") || !strings.Contains(stdout, "open_socket") {
		t.Errorf("inspect badimport: exit %d\n%s", code, stdout)
	}

	stdout, stderr, code = run(t, "", "plugin", "test", filepath.Join(fixtures, "partitioner.wasm"), "--vectors", "testdata/partitioner-vectors.json")
	if code != 0 || !strings.Contains(stdout, "3 passed, 0 failed") {
		t.Errorf("plugin test: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = run(t, "", "plugin", "test", filepath.Join(fixtures, "partitioner.wasm"), "--vectors", "testdata/partitioner-vectors-wrong.json")
	if code != 1 || !strings.Contains(stdout, "FAIL wrong expectations") || !strings.Contains(stdout, "- partition 1\n     + partition 3") ||
		!strings.Contains(stdout, `- error "something else"`) {
		t.Errorf("plugin test with wrong vectors: exit %d\n%s", code, stdout)
	}

	stdout, stderr, code = run(t, "", "plugin", "bench", filepath.Join(fixtures, "enricher.wasm"), "--duration", "50ms")
	if code != 0 || !regexp.MustCompile(`(?m)^1 +\d+ +\d+ +0\n16 +\d+ +\d+ +0\n256 +\d+ +\d+ +0$`).MatchString(stdout) {
		t.Errorf("plugin bench: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestHelp: every command has --help with examples; bad usage exits 2.
func TestHelp(t *testing.T) {
	for _, cmd := range [][]string{{"produce"}, {"serve"}, {"validate"}, {"plugin"}, {"plugin", "inspect"}, {"plugin", "test"}, {"plugin", "bench"}, {"broker"}, {"version"}} {
		stdout, stderr, code := run(t, "", append(cmd, "--help")...)
		if code != 0 || !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "Examples:\n  kafkawasm") {
			t.Errorf("%v --help: exit %d\n%s%s", cmd, code, stdout, stderr)
		}
	}
	if stdout, _, code := run(t, "", "--help"); code != 0 || !strings.Contains(stdout, "produce") || !strings.Contains(stdout, "Exit codes") {
		t.Errorf("--help: %d\n%s", code, stdout)
	}
	for _, args := range [][]string{{}, {"nope"}, {"produce"}, {"produce", "-t", "x", "--format", "csv"}, {"produce", "--bogus"}, {"serve", "extra"}} {
		if _, stderr, code := run(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
	}
	if stdout, _, code := run(t, "", "version"); code != 0 || !strings.HasPrefix(stdout, "kafkawasm ") {
		t.Errorf("version: %d %q", code, stdout)
	}
}

// TestBrokerCommand runs the standalone development broker and produces
// to it.
func TestBrokerCommand(t *testing.T) {
	p := start(t, nil, nil, "broker", "--port", "0", "--partitions", "2")
	addr := p.firstLine(30 * time.Second)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("address %q", addr)
	}
	stdout, stderr, code := start(t, strings.NewReader("a\nb\n"), []string{"KAFKAWASM_BROKERS=" + addr},
		"produce", "--format", "lines", "-t", "auto-created", "--print-results").outputs(t)
	if code != 0 || strings.Count(stdout, "auto-created ") != 2 || strings.Contains(stderr, "embedded") {
		t.Fatalf("produce to the broker: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := testkafka.ReadAll(t, []string{addr}, "auto-created", 2, 30*time.Second); len(got) != 2 {
		t.Fatalf("read %d records", len(got))
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("broker exit %d: %s", code, p.stderr.String())
	}
}

// outputs waits for the process and returns its outputs.
func (p *proc) outputs(t *testing.T) (string, string, int) {
	code := p.wait(time.Minute)
	return p.stdout.String(), p.stderr.String(), code
}
