// Package input reads the records that `kafkawasm produce` sends: a
// line reader that streams a file of any size with one reusable buffer,
// and a parser for the jsonl record format.
//
// Both are written for throughput (the produce command is benchmarked
// against kcat): no allocation per line, and the jsonl parser decodes in
// place, in a buffer the caller owns.
package input

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes bounds one input line. A longer line is reported as
// malformed and skipped (the reader resynchronises at its end).
const MaxLineBytes = 64 << 20

// ErrLineTooLong is returned by Reader.Next for a line longer than
// MaxLineBytes; the reader has skipped it and may be called again.
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// Reader splits its input into lines. It is not safe for concurrent use.
type Reader struct {
	br      *bufio.Reader
	line    int64
	long    []byte
	maxLine int // MaxLineBytes; smaller in tests
}

// NewReader returns a Reader over r with a 1 MiB buffer.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 1<<20), maxLine: MaxLineBytes}
}

// Next returns the next line without its "\n" (or "\r\n") terminator and
// its 1-based number. The slice is only valid until the next call. At the
// end of input it returns io.EOF; a last line without a terminator is
// still returned first.
func (r *Reader) Next() ([]byte, int64, error) {
	r.long = r.long[:0]
	tooLong := false
	for {
		b, err := r.br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return nil, r.line, err
		}
		if !tooLong && len(r.long)+len(b) > r.maxLine+2 { // +2: the terminator
			tooLong = true
			r.long = r.long[:0]
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if !tooLong {
				r.long = append(r.long, b...)
			}
			continue
		}
		if errors.Is(err, io.EOF) && len(b) == 0 && len(r.long) == 0 && !tooLong {
			return nil, r.line, io.EOF
		}
		r.line++
		if tooLong {
			return nil, r.line, ErrLineTooLong
		}
		if len(r.long) > 0 {
			r.long = append(r.long, b...)
			b = r.long
		}
		return trimEOL(b), r.line, nil
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
