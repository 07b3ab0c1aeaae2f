package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/internal/cli/input"
	"github.com/kafkawasm/kafkawasm/internal/cli/pipeline"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// minArena is the smallest byte arena of a chunk, where the bytes of its
// records live. Later arenas are sized after the previous chunk; a longer
// line gets an arena of its own size.
const minArena = 64 << 10

// chunk is a run of input lines sent with one SendAsync call.
type chunk struct {
	arena   []byte
	msgs    []kafka.Message
	entries []entry // every line of the chunk, in order (records and malformed lines)
	hdrs    []kafka.Header
	parts   []int32
	pending *kafka.Pending     // the SendAsync call's results
	results []kafka.SendResult // or, with transactions, the results already known

	// Set by the capture hook with --print-results: the records as sent.
	finalKeys    [][]byte
	finalHeaders [][]kafka.Header
}

// entry is one input line: a record (msg >= 0) or a malformed line.
type entry struct {
	line int64
	msg  int
	err  error
}

// produceRun streams the input through the producer: a reader goroutine
// parses lines into chunks, the calling goroutine sends them, and a
// collector goroutine waits for each chunk's results in order and reports
// them. Memory stays bounded by the chunk queues and the producer's buffer.
type produceRun struct {
	env          Env
	opts         produceOpts
	file         *config.File
	producer     *kafka.Producer
	pipeline     *pipeline.Pipeline
	input        io.Reader
	inputName    string
	showProgress bool

	start       time.Time
	interrupted atomic.Bool
	lines       atomic.Int64 // lines read
	inBytes     atomic.Int64 // value bytes read
	delivered   atomic.Int64
	failed      atomic.Int64
	malformed   atomic.Int64
	done        chan struct{} // closed when the collector finished
	cur         *chunk        // chunk being sent (capture hook target)
	stderrMu    sync.Mutex
	progressOn  bool
	jsonLog     *slog.Logger // with --log-format json: reports are log records
}

func (r *produceRun) interrupt() {
	r.interrupted.Store(true)
}

// errorf prints one line on stderr (clearing the progress line first).
func (r *produceRun) errorf(format string, args ...any) {
	r.stderrMu.Lock()
	defer r.stderrMu.Unlock()
	if r.progressOn {
		fmt.Fprint(r.env.Stderr, "\r\033[K")
	}
	fmt.Fprintf(r.env.Stderr, format+"\n", args...)
}

func (r *produceRun) run() error {
	r.start = time.Now()
	r.done = make(chan struct{})
	chunks := make(chan *chunk, 4)
	sent := make(chan *chunk, 16)
	var readErr error
	go func() {
		defer close(chunks)
		readErr = r.read(chunks)
	}()
	go r.collect(sent)
	stopProgress := r.progress()
	defer stopProgress()
	if r.opts.printResults {
		r.pipeline.SetCapture(r.capture)
		defer r.pipeline.SetCapture(nil)
	}
	transactional := r.file.Producer.TransactionalID != ""
	for c := range chunks {
		r.cur = c
		if transactional { // one transaction per chunk
			c.results = sendTxn(context.Background(), r.producer, r.opts.topic, c.msgs)
		} else {
			c.pending = r.producer.SendAsync(r.opts.topic, c.msgs...)
		}
		r.cur = nil
		sent <- c
	}
	close(sent)
	return readErr
}

// wait waits for the collector.
func (r *produceRun) wait() { <-r.done }

// capture records what the plugins made of each record (--print-results).
func (r *produceRun) capture(_ string, msgs []kafka.Message, _ []error) {
	c := r.cur
	if c == nil || len(msgs) != len(c.msgs) {
		return
	}
	c.finalKeys = make([][]byte, len(msgs))
	c.finalHeaders = make([][]kafka.Header, len(msgs))
	for i := range msgs {
		c.finalKeys[i] = msgs[i].Key
		c.finalHeaders[i] = msgs[i].Headers
	}
}

// read parses the input into chunks.
func (r *produceRun) read(out chan<- *chunk) error {
	rd := input.NewReader(r.input)
	arena := minArena
	newChunk := func(need int) *chunk {
		return &chunk{arena: make([]byte, 0, max(arena, need)), msgs: make([]kafka.Message, 0, r.opts.chunk),
			entries: make([]entry, 0, r.opts.chunk)}
	}
	c := newChunk(0)
	flush := func() {
		if len(c.entries) > 0 {
			out <- c
		}
	}
	jsonl := r.opts.format == "jsonl"
	for !r.interrupted.Load() {
		line, n, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		r.lines.Store(n)
		if errors.Is(err, input.ErrLineTooLong) {
			c.entries = append(c.entries, entry{line: n, msg: -1, err: err})
			continue
		}
		if err != nil {
			flush()
			return fmt.Errorf("reading %s: %w", r.inputName, err)
		}
		if jsonl && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(c.arena)+len(line) > cap(c.arena) || len(c.msgs) == r.opts.chunk {
			if len(c.msgs) == r.opts.chunk { // a full chunk: size the next arena after it
				arena = max(minArena, len(c.arena)+len(c.arena)/8)
			} else {
				arena = max(minArena, 2*cap(c.arena))
			}
			flush()
			c = newChunk(len(line))
		}
		start := len(c.arena)
		c.arena = append(c.arena, line...)
		buf := c.arena[start:len(c.arena):len(c.arena)]
		r.inBytes.Add(int64(len(line)))
		if !jsonl {
			c.msgs = append(c.msgs, kafka.Message{Value: buf})
			c.entries = append(c.entries, entry{line: n, msg: len(c.msgs) - 1})
			continue
		}
		hs := c.hdrs[len(c.hdrs):]
		rec, perr := input.ParseJSONL(buf, hs)
		if perr != nil {
			c.entries = append(c.entries, entry{line: n, msg: -1, err: perr})
			continue
		}
		m := kafka.Message{Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp}
		if k := len(rec.Headers); k > 0 {
			m.Headers = rec.Headers[:k:k]
			if cap(hs) >= k { // parsed into the chunk's header arena
				c.hdrs = c.hdrs[:len(c.hdrs)+k]
			} else if cap(c.hdrs)-len(c.hdrs) < 64 {
				c.hdrs = make([]kafka.Header, 0, 4*r.opts.chunk)
			}
		}
		if rec.HasPartition {
			if len(c.parts) == cap(c.parts) {
				c.parts = make([]int32, 0, r.opts.chunk)
			}
			c.parts = append(c.parts, rec.Partition)
			m.Partition = &c.parts[len(c.parts)-1]
		}
		c.msgs = append(c.msgs, m)
		c.entries = append(c.entries, entry{line: n, msg: len(c.msgs) - 1})
	}
	flush()
	return nil
}

// collect reports each chunk's results, in input order.
func (r *produceRun) collect(in <-chan *chunk) {
	defer close(r.done)
	out := bufio.NewWriterSize(r.env.Stdout, 256<<10)
	defer out.Flush()
	var line []byte
	for c := range in {
		res := c.results
		if c.pending != nil {
			res, _ = c.pending.Wait(context.Background())
		}
		for _, e := range c.entries {
			if e.msg < 0 {
				r.malformed.Add(1)
				if r.jsonLog != nil {
					r.jsonLog.Warn("malformed line skipped", "line", e.line, "err", e.err.Error())
				} else {
					r.errorf("kafkawasm: line %d: skipped: malformed: %v", e.line, e.err)
				}
				continue
			}
			rs := res[e.msg]
			if rs.Err != nil {
				r.failed.Add(1)
				if r.jsonLog != nil {
					r.jsonLog.Error("record not delivered", "line", e.line, "err", rs.Err.Error())
				} else {
					r.errorf("kafkawasm: line %d: not delivered: %v", e.line, rs.Err)
				}
			} else {
				r.delivered.Add(1)
			}
			if !r.opts.printResults {
				continue
			}
			line = r.resultLine(line[:0], c, e, rs)
			out.Write(line)
		}
		if r.opts.printResults && len(in) == 0 {
			out.Flush()
		}
	}
}

// resultLine formats one --print-results line.
func (r *produceRun) resultLine(b []byte, c *chunk, e entry, rs kafka.SendResult) []byte {
	b = append(b, rs.Topic...)
	b = append(b, ' ')
	if rs.Err != nil {
		b = append(b, "-1 -1"...)
	} else {
		b = strconv.AppendInt(b, int64(rs.Partition), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, rs.Offset, 10)
	}
	b = append(b, " line="...)
	b = strconv.AppendInt(b, e.line, 10)
	key, hdrs := c.msgs[e.msg].Key, c.msgs[e.msg].Headers
	if c.finalKeys != nil {
		key, hdrs = c.finalKeys[e.msg], c.finalHeaders[e.msg]
	}
	if key != nil {
		b = append(b, " key="...)
		b = appendPrintable(b, key)
	}
	for i, h := range hdrs {
		if i == 0 {
			b = append(b, " headers="...)
		} else {
			b = append(b, ',')
		}
		b = appendPrintable(b, []byte(h.Key))
		b = append(b, ':')
		if h.Value == nil {
			b = append(b, "null"...)
		} else {
			b = appendPrintable(b, h.Value)
		}
	}
	if rs.Err != nil {
		b = append(b, " error="...)
		b = strconv.AppendQuote(b, rs.Err.Error())
	}
	return append(b, '\n')
}

// appendPrintable appends s as is when it is printable text without
// spaces or separators, and quoted otherwise.
func appendPrintable(b, s []byte) []byte {
	plain := utf8.Valid(s) && len(s) > 0
	for _, c := range s {
		if c <= ' ' || c == '"' || c == ',' || c == ':' || c == '=' || c == 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return append(b, s...)
	}
	return strconv.AppendQuote(b, string(s))
}

// progress shows a live status line on stderr until the returned stop.
func (r *produceRun) progress() (stop func()) {
	if !r.showProgress {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				r.stderrMu.Lock()
				if r.progressOn {
					fmt.Fprint(r.env.Stderr, "\r\033[K")
					r.progressOn = false
				}
				r.stderrMu.Unlock()
				return
			case <-t.C:
				el := time.Since(r.start).Seconds()
				n := r.delivered.Load()
				r.stderrMu.Lock()
				fmt.Fprintf(r.env.Stderr, "\r\033[K%s: %d records, %s, %.0f records/s, %d failed",
					r.opts.topic, n, humanBytes(r.inBytes.Load()), float64(n)/el, r.failed.Load()+r.malformed.Load())
				r.progressOn = true
				r.stderrMu.Unlock()
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// summary prints the final one-line summary on stderr.
func (r *produceRun) summary(d time.Duration) {
	n := r.delivered.Load()
	rate := float64(n) / d.Seconds()
	msg := fmt.Sprintf("kafkawasm: produced %d records (%s) to %s in %.2fs (%.0f records/s); %d failed, %d malformed lines skipped",
		n, humanBytes(r.inBytes.Load()), r.opts.topic, d.Seconds(), rate, r.failed.Load(), r.malformed.Load())
	if r.interrupted.Load() {
		msg += fmt.Sprintf("; interrupted after line %d of %s", r.lines.Load(), r.inputName)
	}
	if r.jsonLog != nil {
		r.jsonLog.Info("done", "topic", r.opts.topic, "delivered", n, "failed", r.failed.Load(), "malformed", r.malformed.Load(),
			"bytes", r.inBytes.Load(), "seconds", d.Seconds(), "records_per_second", rate, "interrupted", r.interrupted.Load())
		return
	}
	r.errorf("%s", msg)
}

// humanBytes formats a byte count for people.
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}
