package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// The conformance vector format of plugins/testdata/vectors/*.json:
//
//	{"plugin": NAME, "kind": KIND, "description": …, "cases": [
//	  {"name": …, "config": {…} | "config_raw": "…", "expect_config_error": "…",
//	   "topic": …, "partition_count": n, "op": "encode" | "decode",
//	   "records": [{"key": B, "value": B, "headers": [[k, B], …], "in": B,
//	                "expect": {"partition": n | "no_opinion": true | "error": "…" |
//	                           "hex": "…" | "text": "…" | "null": true, "roundtrip": "…",
//	                           "headers": [[k, B | {"regex": "…"}], …]}}]}]}
//
// where B is a JSON string (its UTF-8 bytes), null, or {"hex": "…"}.

type vecFile struct {
	Plugin      string    `json:"plugin"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Cases       []vecCase `json:"cases"`
}

type vecCase struct {
	Name              string          `json:"name"`
	Config            json.RawMessage `json:"config"`
	ConfigRaw         *string         `json:"config_raw"`
	ExpectConfigError *string         `json:"expect_config_error"`
	Topic             string          `json:"topic"`
	PartitionCount    int             `json:"partition_count"`
	Op                string          `json:"op"`
	Records           []vecRecord     `json:"records"`
}

type vecRecord struct {
	Key     vecBytes    `json:"key"`
	Value   vecBytes    `json:"value"`
	Headers []vecHeader `json:"headers"`
	In      vecBytes    `json:"in"`
	Expect  vecExpect   `json:"expect"`
}

type vecExpect struct {
	Partition *int        `json:"partition"`
	NoOpinion bool        `json:"no_opinion"`
	Error     *string     `json:"error"`
	Hex       *string     `json:"hex"`
	Text      *string     `json:"text"`
	Null      bool        `json:"null"`
	Roundtrip *string     `json:"roundtrip"`
	Headers   []vecHeader `json:"headers"`
}

type vecBytes struct{ b []byte }

func (v *vecBytes) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		v.b = nil
		return nil
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		v.b = []byte(s)
		return nil
	}
	var h struct {
		Hex string `json:"hex"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("bytes must be a string, null or {\"hex\": …}: %s", data)
	}
	b, err := hex.DecodeString(h.Hex)
	v.b = b
	return err
}

type vecHeader struct {
	Key   string
	Value vecBytes
	Regex *regexp.Regexp
}

func (h *vecHeader) UnmarshalJSON(data []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(data, &pair); err != nil || len(pair) != 2 {
		return fmt.Errorf("a header must be [key, value]: %s", data)
	}
	if err := json.Unmarshal(pair[0], &h.Key); err != nil {
		return err
	}
	var re struct {
		Regex *string `json:"regex"`
	}
	if json.Unmarshal(pair[1], &re) == nil && re.Regex != nil {
		rx, err := regexp.Compile("^(?:" + *re.Regex + ")$")
		h.Regex = rx
		return err
	}
	return h.Value.UnmarshalJSON(pair[1])
}

func showBytes(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Quote(string(b))
}

func runPluginTest(env Env, args []string) int {
	var pf pluginFlags
	var vectors string
	f := newFlags(&command{name: "plugin test", usage: "plugin test PLUGIN.wasm --vectors FILE",
		long: "Runs every case of a conformance vector file through the plugin runtime (the way the producer\n" +
			"calls the plugin) and prints a diff (- want, + got) for every mismatch. Cases with config_raw\n" +
			"need the raw ABI and are skipped. Exit code 0 when every case passes, 1 otherwise.",
		examples: "kafkawasm plugin test plugins/json-codec/json-codec.wasm --vectors plugins/testdata/vectors/json-codec.json"})
	f.String(&vectors, "vectors", "", "FILE", "conformance vector file (required)")
	f.Int(&pf.maxMemoryMB, "max-memory-mb", 0, "N", "memory cap per instance (default 16)")
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || vectors == "" {
		return usageError(env, "plugin test", "want PLUGIN.wasm and --vectors FILE")
	}
	data, err := os.ReadFile(vectors)
	if err != nil {
		return usageError(env, "plugin test", "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var vf vecFile
	if err := dec.Decode(&vf); err != nil {
		return usageError(env, "plugin test", "%s: %v", vectors, err)
	}
	pf.kind = vf.Kind
	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return usageError(env, "plugin test", "%v", err)
	}
	rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: "-", Logger: log})
	if err != nil {
		fmt.Fprintf(env.Stderr, "kafkawasm plugin test: %v\n", err)
		return ExitFailed
	}
	defer rt.Close(context.Background())
	pass, fail, skip := 0, 0, 0
	for i := range vf.Cases {
		c := &vf.Cases[i]
		if c.ConfigRaw != nil {
			skip++
			fmt.Fprintf(env.Stdout, "SKIP %s (config_raw needs the raw ABI)\n", c.Name)
			continue
		}
		diffs := runVectorCase(rt, wasm, vf.Plugin, runtime.Kind(vf.Kind), pf.maxMemoryMB, c)
		if len(diffs) == 0 {
			pass++
			fmt.Fprintf(env.Stdout, "ok   %s (%d records)\n", c.Name, len(c.Records))
			continue
		}
		fail++
		fmt.Fprintf(env.Stdout, "FAIL %s\n", c.Name)
		for _, d := range diffs {
			fmt.Fprintf(env.Stdout, "     %s\n", strings.ReplaceAll(d, "\n", "\n     "))
		}
	}
	fmt.Fprintf(env.Stdout, "%s: %d passed, %d failed, %d skipped (%s)\n", vf.Plugin, pass, fail, skip, vectors)
	if fail > 0 {
		return ExitFailed
	}
	return ExitOK
}

// diff formats a mismatch.
func diff(what, want, got string) string {
	return fmt.Sprintf("%s:\n- %s\n+ %s", what, want, got)
}

// runVectorCase runs one case and returns its mismatches.
func runVectorCase(rt *runtime.Runtime, wasm []byte, name string, kind runtime.Kind, mem int, c *vecCase) []string {
	var diffs []string
	cfg := map[string]any{}
	if len(c.Config) > 0 {
		var err error
		if cfg, err = decodeConfigJSON(c.Config); err != nil {
			return []string{err.Error()}
		}
	}
	ctx := context.Background()
	p, err := rt.Load(ctx, runtime.PluginConfig{Name: name, Kind: kind, Wasm: wasm, Config: cfg, PoolSize: 1, MaxMemoryMB: mem})
	if c.ExpectConfigError != nil {
		got := "loaded"
		if err != nil {
			got = configureMessage(err)
		} else {
			p.Close(ctx)
		}
		if got != *c.ExpectConfigError {
			diffs = append(diffs, diff("config error", strconv.Quote(*c.ExpectConfigError), strconv.Quote(got)))
		}
		return diffs
	}
	if err != nil {
		return []string{fmt.Sprintf("load: %v", err)}
	}
	defer p.Close(ctx)
	msgs := make([]kafka.Message, len(c.Records))
	for i, r := range c.Records {
		msgs[i] = kafka.Message{Key: r.Key.b, Value: r.Value.b}
		for _, h := range r.Headers {
			msgs[i].Headers = append(msgs[i].Headers, kafka.Header{Key: h.Key, Value: h.Value.b})
		}
	}
	errs := make([]error, len(msgs))
	rec := func(i int) string { return fmt.Sprintf("record %d", i) }
	checkErr := func(i int, exp vecExpect) bool {
		got := ""
		if errs[i] != nil {
			got = rejectedMessage(errs[i])
		}
		switch {
		case exp.Error == nil && got != "":
			diffs = append(diffs, diff(rec(i), "no error", "error "+strconv.Quote(got)))
			return false
		case exp.Error != nil && got != *exp.Error:
			diffs = append(diffs, diff(rec(i), "error "+strconv.Quote(*exp.Error), orOK(got)))
			return false
		}
		return exp.Error == nil
	}
	switch kind {
	case runtime.KindPartitioner:
		out := make([]int32, len(msgs))
		p.Partitioner().PartitionRecords(c.Topic, msgs, c.PartitionCount, out, errs)
		for i, r := range c.Records {
			if !checkErr(i, r.Expect) {
				continue
			}
			want := -99
			switch {
			case r.Expect.NoOpinion:
				want = kafka.Murmur2Partitioner.Partition(c.Topic, r.Key.b, nil, c.PartitionCount)
			case r.Expect.Partition != nil:
				want = *r.Expect.Partition
			}
			if int(out[i]) != want {
				diffs = append(diffs, diff(rec(i), fmt.Sprintf("partition %d", want), fmt.Sprintf("partition %d", out[i])))
			}
		}
	case runtime.KindCodec:
		codec := p.Codec()
		for i, r := range c.Records {
			var out []byte
			if c.Op == "decode" {
				out, errs[i] = codec.Decode(r.In.b)
			} else {
				out, errs[i] = codec.Encode(r.In.b)
			}
			if !checkErr(i, r.Expect) {
				continue
			}
			e := r.Expect
			switch {
			case e.Null && out != nil:
				diffs = append(diffs, diff(rec(i), "null", showBytes(out)))
			case e.Hex != nil && (out == nil || hex.EncodeToString(out) != *e.Hex):
				diffs = append(diffs, diff(rec(i), "hex "+*e.Hex, "hex "+hex.EncodeToString(out)))
			case e.Text != nil && (out == nil || string(out) != *e.Text):
				diffs = append(diffs, diff(rec(i), strconv.Quote(*e.Text), showBytes(out)))
			}
			if e.Roundtrip != nil {
				back, err := codec.Decode(out)
				if err != nil || string(back) != *e.Roundtrip {
					diffs = append(diffs, diff(rec(i)+" decode(encode(in))", strconv.Quote(*e.Roundtrip), fmt.Sprintf("%s (err %v)", showBytes(back), err)))
				}
			}
		}
	case runtime.KindEnricher:
		p.Interceptor().Intercept(c.Topic, msgs, errs)
		for i, r := range c.Records {
			if !checkErr(i, r.Expect) {
				continue
			}
			added := msgs[i].Headers[min(len(r.Headers), len(msgs[i].Headers)):]
			diffs = append(diffs, headerDiff(rec(i), r.Expect.Headers, added)...)
		}
	default:
		diffs = append(diffs, fmt.Sprintf("unknown kind %q", kind))
	}
	return diffs
}

func orOK(s string) string {
	if s == "" {
		return "no error"
	}
	return "error " + strconv.Quote(s)
}

func headerDiff(what string, want []vecHeader, got []kafka.Header) []string {
	fmtWant := func() string {
		var s []string
		for _, h := range want {
			if h.Regex != nil {
				s = append(s, fmt.Sprintf("%s=~/%s/", h.Key, h.Regex))
			} else {
				s = append(s, h.Key+"="+showBytes(h.Value.b))
			}
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	fmtGot := func() string {
		var s []string
		for _, h := range got {
			s = append(s, h.Key+"="+showBytes(h.Value))
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	if len(want) != len(got) {
		return []string{diff(what+" headers added", fmtWant(), fmtGot())}
	}
	for j, h := range got {
		w := want[j]
		ok := h.Key == w.Key
		if ok && w.Regex != nil {
			ok = h.Value != nil && w.Regex.Match(h.Value)
		} else if ok {
			ok = (h.Value == nil) == (w.Value.b == nil) && bytes.Equal(h.Value, w.Value.b)
		}
		if !ok {
			return []string{diff(what+" headers added", fmtWant(), fmtGot())}
		}
	}
	return nil
}

// rejectedMessage returns the plugin's own message for a record it
// rejected, or the whole error otherwise.
func rejectedMessage(err error) string {
	var pe *runtime.PluginError
	if errors.As(err, &pe) && errors.Is(err, runtime.ErrRecordRejected) {
		return strings.TrimPrefix(pe.Cause.Error(), runtime.ErrRecordRejected.Error()+": ")
	}
	return "unexpected failure: " + err.Error()
}

// configureMessage returns the plugin's message for a refused config.
func configureMessage(err error) string {
	if !errors.Is(err, runtime.ErrConfigure) {
		return err.Error()
	}
	_, msg, _ := strings.Cut(err.Error(), "kw_configure returned ")
	_, msg, _ = strings.Cut(msg, ": ")
	return msg
}
