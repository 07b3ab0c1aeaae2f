package testkafka

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// KcatPath is the kcat binary used by ReadAllKcat (Debian package "kcat").
var KcatPath = "kcat"

// ReadAllKcat reads the whole topic with the kcat binary (librdkafka), an
// reader independent of franz-go:
//
//	kcat -C -b brokers -t topic -o beginning -e -J -q [extra args]
//
// It re-runs kcat until at least want records were read (or DefaultTimeout
// passes, which fails the test) and returns every record of the last run,
// sorted by partition and offset, as Records with Source "kcat" (only the
// fields described on Record are set; Compression is "").
//
// extraArgs are passed to kcat: either raw flags ("-X", "isolation.level=read_committed")
// or bare "name=value" librdkafka properties, which get a "-X" in front.
//
// Binary data: kcat -J writes key, payload and header values as JSON strings
// with only '"', '\\' and control bytes escaped; other bytes, including
// invalid UTF-8, are written raw. This package un-escapes those strings byte
// for byte (not via encoding/json, which would turn invalid UTF-8 into
// U+FFFD), so arbitrary binary keys, values and header values round-trip.
// A null key/value/header value is JSON null and comes back as nil.
// (Payloads produced by other kcat versions that escape non-ASCII as \uXXXX
// are decoded as UTF-8.)
func ReadAllKcat(t testing.TB, brokers string, topic string, want int, extraArgs ...string) []Record {
	t.Helper()
	if _, err := exec.LookPath(KcatPath); err != nil {
		msg := fmt.Sprintf("ReadAllKcat: %s not found (apt-get install -y kcat)", KcatPath)
		if InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	args := []string{"-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-J", "-q",
		"-m", "10", "-X", "topic.metadata.refresh.interval.ms=1000"}
	for i := 0; i < len(extraArgs); i++ {
		a := extraArgs[i]
		switch {
		case a == "-X" && i+1 < len(extraArgs):
			args = append(args, a, extraArgs[i+1])
			i++
		case !strings.HasPrefix(a, "-") && strings.Contains(a, "="):
			args = append(args, "-X", a)
		default:
			args = append(args, a)
		}
	}

	deadline := time.Now().Add(DefaultTimeout)
	var (
		last    []Record
		lastErr error
		stderr  string
	)
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		cmd := exec.CommandContext(ctx, KcatPath, args...)
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		cancel()
		stderr = se.String()
		if err == nil {
			last, lastErr = parseKcatJSON(so.Bytes())
			if lastErr != nil {
				t.Fatalf("ReadAllKcat %s: %v", topic, lastErr)
			}
			if len(last) >= want {
				return last
			}
		} else {
			lastErr = fmt.Errorf("kcat %s: %w", strings.Join(args, " "), err)
		}
		if time.Now().Add(200 * time.Millisecond).After(deadline) {
			t.Fatalf("ReadAllKcat %s: got %d of %d records after %d runs (%v); last error: %v; kcat stderr:\n%s",
				topic, len(last), want, attempt, DefaultTimeout, lastErr, stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kcatMsg is one line of kcat -J output. Byte-carrying fields are kept raw
// and decoded by unquoteRaw.
type kcatMsg struct {
	Topic     string            `json:"topic"`
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	TsType    string            `json:"tstype"`
	Ts        int64             `json:"ts"`
	Headers   []json.RawMessage `json:"headers"`
	Key       json.RawMessage   `json:"key"`
	Payload   json.RawMessage   `json:"payload"`
}

func parseKcatJSON(out []byte) ([]Record, error) {
	var rs []Record
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[0] != '{' { // e.g. "% Reached end of topic" without -q
			continue
		}
		var m kcatMsg
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("parsing kcat JSON %q: %w", truncate(line), err)
		}
		r := Record{
			Source:        "kcat",
			Topic:         m.Topic,
			Partition:     m.Partition,
			Offset:        m.Offset,
			Timestamp:     time.UnixMilli(m.Ts),
			TimestampType: -1,
			LeaderEpoch:   -1,
			ProducerID:    -1,
			ProducerEpoch: -1,
		}
		switch m.TsType {
		case "create":
			r.TimestampType = 0
		case "logappend":
			r.TimestampType = 1
		}
		var err error
		if r.Key, err = unquoteRaw(m.Key); err != nil {
			return nil, fmt.Errorf("key of %s[%d]@%d: %w", m.Topic, m.Partition, m.Offset, err)
		}
		if r.Value, err = unquoteRaw(m.Payload); err != nil {
			return nil, fmt.Errorf("payload of %s[%d]@%d: %w", m.Topic, m.Partition, m.Offset, err)
		}
		if len(m.Headers)%2 != 0 {
			return nil, fmt.Errorf("odd header list in %q", truncate(line))
		}
		for i := 0; i < len(m.Headers); i += 2 {
			k, err := unquoteRaw(m.Headers[i])
			if err != nil || k == nil {
				return nil, fmt.Errorf("header key %d of %s[%d]@%d: %v", i/2, m.Topic, m.Partition, m.Offset, err)
			}
			v, err := unquoteRaw(m.Headers[i+1])
			if err != nil {
				return nil, fmt.Errorf("header value %d of %s[%d]@%d: %w", i/2, m.Topic, m.Partition, m.Offset, err)
			}
			r.Headers = append(r.Headers, Header{Key: string(k), Value: v})
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sortRecords(rs)
	return rs, nil
}

func truncate(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// unquoteRaw decodes a raw JSON string token byte for byte: escapes are
// resolved, every other byte is copied as is (invalid UTF-8 included).
// JSON null (or an absent field) gives nil; "" gives a non-nil empty slice.
func unquoteRaw(raw json.RawMessage) ([]byte, error) {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 || string(s) == "null" {
		return nil, nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return nil, fmt.Errorf("not a JSON string: %q", truncate(s))
	}
	s = s[1 : len(s)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errors.New("dangling backslash")
		}
		switch s[i] {
		case '"', '\\', '/':
			out = append(out, s[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, err := hex4(s[i+1:])
			if err != nil {
				return nil, err
			}
			i += n
			if r < 0x80 {
				out = append(out, byte(r))
				continue
			}
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				r2, n2, err := hex4(s[i+3:])
				if err == nil {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 2 + n2
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, fmt.Errorf("bad escape \\%c", s[i])
		}
	}
	return out, nil
}

func hex4(s []byte) (rune, int, error) {
	if len(s) < 4 {
		return 0, 0, errors.New("short \\u escape")
	}
	var r rune
	for _, c := range s[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, 0, fmt.Errorf("bad \\u escape %q", s[:4])
		}
	}
	return r, 4, nil
}
