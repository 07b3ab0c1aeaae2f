package kwjson

import (
	"encoding/binary"
	"errors"
	"unsafe"
)

// The tape is a parsed document in a flat, language-neutral form: the
// layout of the kafkawasm host's json_scan import (docs/ABI.md, "Host
// primitives"), which parses bytes of guest memory at native speed and writes
// the tape back into guest memory for the guest to walk.
//
// A tape is a node array and a string area. Each node is TapeNodeSize bytes,
// four little-endian u32 fields, in pre-order (object members are a String
// key node followed by the value's subtree):
//
//	kind  Kind (1 null, 2 false, 3 true, 4 number, 5 string, 6 array, 7 object)
//	off   String: start of the decoded bytes in the string area;
//	      Number: start of the literal in the source; else 0
//	n     String, Number: byte length; Array, Object: element or member count
//	end   index of the node one past this node's subtree
//
// A document of len(src) bytes has at most len(src) nodes and at most
// len(src) bytes of decoded strings.
const TapeNodeSize = 16

// Scan codes: the outcome of a scan (json_scan's errno-like codes). Codes 3
// to 7 are syntax errors, with the messages of Parse.
const (
	ScanOK         = 0
	ScanOutOfRange = 1 // a pointer and length outside guest memory
	ScanNoSpace    = 2 // the node or string area is too small
	ScanEOF        = 3 // "unexpected end of input"
	ScanInvalid    = 4 // "invalid character"
	ScanBadUTF8    = 5 // "invalid UTF-8"
	ScanBadEscape  = 6 // "invalid escape"
	ScanTooDeep    = 7 // "nesting too deep"
	ScanBadFlags   = 8 // flags with an unknown bit
)

// Scan flags.
const (
	// ScanSortKeys puts every object's members in ascending byte order of
	// their decoded keys (stable: duplicate keys stay in document order,
	// next to each other), as SortMembers does.
	ScanSortKeys = 1
)

var scanMessages = [...]string{
	ScanEOF:       "unexpected end of input",
	ScanInvalid:   "invalid character",
	ScanBadUTF8:   "invalid UTF-8",
	ScanBadEscape: "invalid escape",
	ScanTooDeep:   "nesting too deep",
}

// ScanCode returns the scan code of a Parse error (ScanOK for nil).
func ScanCode(err error) int {
	var se *SyntaxError
	if !errors.As(err, &se) {
		if err == nil {
			return ScanOK
		}
		return ScanInvalid
	}
	for code, msg := range scanMessages {
		if msg != "" && msg == se.Msg {
			return code
		}
	}
	return ScanInvalid
}

// Errors of ParseWith for scan codes that are not syntax errors.
var (
	ErrScanOutOfRange = errors.New("kwjson: scanner refused the buffers (out of range)")
	ErrScanNoSpace    = errors.New("kwjson: scanner needs bigger buffers")
	ErrScanResult     = errors.New("kwjson: scanner returned an inconsistent tape")
	ErrScanFlags      = errors.New("kwjson: scanner does not support these flags")
)

// ScanError returns the error ParseWith reports for a scanner's code and
// offset: a *SyntaxError for codes 3 to 7.
func ScanError(code, offset int) error {
	switch {
	case code == ScanOutOfRange:
		return ErrScanOutOfRange
	case code == ScanNoSpace:
		return ErrScanNoSpace
	case code == ScanBadFlags:
		return ErrScanFlags
	case code >= ScanEOF && code <= ScanTooDeep:
		return &SyntaxError{Msg: scanMessages[code], Offset: offset}
	}
	return ErrScanResult
}

// Tape returns the node count and the decoded-string bytes of the last
// successful Parse; WriteTape writes the nodes.
func (d *Doc) Tape() (nodes int, strs []byte) { return len(d.nodes), d.strs }

// WriteTape writes the nodes of the last successful Parse into dst in the
// tape layout and returns the number of bytes written, or -1 if dst is too
// small.
func (d *Doc) WriteTape(dst []byte) int {
	need := len(d.nodes) * TapeNodeSize
	if len(dst) < need {
		return -1
	}
	for i, nd := range d.nodes {
		b := dst[i*TapeNodeSize : i*TapeNodeSize+TapeNodeSize]
		binary.LittleEndian.PutUint32(b[0:], uint32(nd.kind))
		binary.LittleEndian.PutUint32(b[4:], uint32(nd.off))
		binary.LittleEndian.PutUint32(b[8:], uint32(nd.n))
		binary.LittleEndian.PutUint32(b[12:], uint32(nd.end))
	}
	return need
}

// Scan is the reference Scanner: it parses src with d (replacing d's
// document) and writes the tape into tape and strs. The host's json_scan
// is this function over guest memory.
func (d *Doc) Scan(src, tape, strs []byte, flags int) (nodes, strsLen, code, offset int) {
	if flags&^ScanSortKeys != 0 {
		return 0, 0, ScanBadFlags, 0
	}
	if err := d.Parse(src); err != nil {
		off := 0
		var se *SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return 0, 0, ScanCode(err), off
	}
	if flags&ScanSortKeys != 0 {
		d.SortMembers()
	}
	if len(d.strs) > len(strs) || d.WriteTape(tape) < 0 {
		return 0, 0, ScanNoSpace, 0
	}
	return len(d.nodes), copy(strs, d.strs), ScanOK, 0
}

// PackScanResult packs a scan outcome into json_scan's i64 result:
// nodes << 32 | strsLen on success, else -(offset << 8 | code).
func PackScanResult(nodes, strsLen, code, offset int) int64 {
	if code != ScanOK {
		return -(int64(offset)<<8 | int64(code))
	}
	return int64(nodes)<<32 | int64(strsLen)
}

// UnpackScanResult splits json_scan's i64 result.
func UnpackScanResult(r int64) (nodes, strsLen, code, offset int) {
	if r < 0 {
		e := -r
		return 0, 0, int(e & 0xff), int(e >> 8)
	}
	return int(r >> 32), int(uint32(r)), ScanOK, 0
}

// Reset forgets the document and drops the reference to its source.
func (d *Doc) Reset() {
	d.src, d.nodes, d.strs, d.err = nil, d.nodes[:0], d.strs[:0], nil
}

// Scanner parses src into a tape: the nodes into tape (room for
// len(tape)/TapeNodeSize nodes) and the decoded strings into strs. It
// returns the node count and string bytes written, or a scan code other
// than ScanOK and, for syntax errors, the byte offset of the error.
type Scanner func(src, tape, strs []byte, flags int) (nodes, strsLen, code, offset int)

// nodeIsTape reports whether a node is laid out exactly as a tape node on
// this platform (little-endian u32 fields), so a scanner can write into the
// node array in place.
var nodeIsTape = func() bool {
	var nd node
	one := uint16(1)
	little := *(*byte)(unsafe.Pointer(&one)) == 1
	return little && unsafe.Sizeof(nd) == TapeNodeSize && unsafe.Offsetof(nd.off) == 4 &&
		unsafe.Offsetof(nd.n) == 8 && unsafe.Offsetof(nd.end) == 12
}()

// ParseWith parses src with scan (for example the host's json_scan) instead
// of Parse's own code: same documents, same errors, and the Doc reads the
// same afterwards. The Doc trusts the scanner's tape (checking it node by
// node would cost as much as parsing, in Wasm); a wrong tape can make the
// accessors panic on a bounds check, never read outside the Doc. CheckTape
// verifies a tape when the scanner is not trusted.
//
// flags are passed to the scanner (ScanSortKeys).
func (d *Doc) ParseWith(src []byte, flags int, scan Scanner) error {
	d.src = src
	d.err = nil
	maxNodes := len(src) + 1
	if cap(d.nodes) < maxNodes {
		d.nodes = make([]node, maxNodes)
	}
	d.nodes = d.nodes[:maxNodes]
	if cap(d.strs) < len(src) {
		d.strs = make([]byte, len(src))
	}
	d.strs = d.strs[:cap(d.strs)]
	var tape []byte
	if nodeIsTape {
		tape = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d.nodes))), maxNodes*TapeNodeSize)
	} else {
		tape = make([]byte, maxNodes*TapeNodeSize)
	}
	n, s, code, off := scan(src, tape, d.strs, flags)
	if code != ScanOK {
		d.nodes, d.strs = d.nodes[:0], d.strs[:0]
		return ScanError(code, off)
	}
	if n < 1 || n > maxNodes || s < 0 || s > len(d.strs) {
		d.nodes, d.strs = d.nodes[:0], d.strs[:0]
		return ErrScanResult
	}
	d.nodes, d.strs = d.nodes[:n], d.strs[:s]
	if !nodeIsTape {
		for i := range d.nodes {
			b := tape[i*TapeNodeSize:]
			d.nodes[i] = node{kind: Kind(binary.LittleEndian.Uint32(b)),
				off: int32(binary.LittleEndian.Uint32(b[4:])), n: int32(binary.LittleEndian.Uint32(b[8:])),
				end: int32(binary.LittleEndian.Uint32(b[12:]))}
		}
	}
	if d.nodes[0].end != int32(n) {
		d.nodes, d.strs = d.nodes[:0], d.strs[:0]
		return ErrScanResult
	}
	return nil
}

// CheckTape reports whether the document loaded by ParseWith is a
// well-formed tape: known kinds, byte ranges inside the source or the
// string area, and subtree ends that move forward.
func (d *Doc) CheckTape() bool { return d.checkTape() }

// checkTape verifies what the accessors rely on to stay in bounds: known
// kinds, byte ranges inside src or strs, subtree ends that move forward,
// and container counts that match the children (objects: a String key then
// a value). Each node is visited once as a node and once as a child.
func (d *Doc) checkTape() bool {
	nodes := int32(len(d.nodes))
	if nodes == 0 || d.nodes[0].end != nodes {
		return false
	}
	for i, nd := range d.nodes {
		i := int32(i)
		switch nd.kind {
		case Null, False, True:
			if nd.end != i+1 {
				return false
			}
		case Number, String:
			area := len(d.src)
			if nd.kind == String {
				area = len(d.strs)
			}
			if nd.end != i+1 || nd.off < 0 || nd.n < 0 || int(nd.off)+int(nd.n) > area {
				return false
			}
		case Array, Object:
			if nd.end <= i || nd.end > nodes || nd.n < 0 || nd.n > nd.end-i {
				return false
			}
		default:
			return false
		}
	}
	for i, nd := range d.nodes {
		if nd.kind != Array && nd.kind != Object {
			continue
		}
		c := int32(i) + 1
		for k := int32(0); k < nd.n; k++ {
			if nd.kind == Object {
				if c >= nd.end || d.nodes[c].kind != String {
					return false
				}
				c++
			}
			if c >= nd.end {
				return false
			}
			c = d.nodes[c].end
		}
		if c != nd.end {
			return false
		}
	}
	return true
}

// TapeNode is one node of a document as TapeNodes exposes it: the tape
// layout's fields (see above), for hot loops that walk nodes by index.
type TapeNode struct {
	Kind Kind
	_    [3]byte
	Off  int32 // String: start in StringArea; Number: start in Source
	N    int32 // String, Number: byte length; Array, Object: child count
	End  int32 // index of the node after this node's subtree
}

// TapeNodes returns the nodes of the last successful parse, in pre-order
// (0 is the root), without copying: read-only, valid until the next parse.
// Value and Iter are the convenient API; this one costs no call per field,
// which matters in Wasm.
func (d *Doc) TapeNodes() []TapeNode {
	return unsafe.Slice((*TapeNode)(unsafe.Pointer(unsafe.SliceData(d.nodes))), len(d.nodes))
}

// StringArea returns the decoded bytes of all strings (String nodes' Off
// and N index it); Source returns the parsed source (Number nodes' Off and
// N index it). Both are read-only and valid until the next parse.
func (d *Doc) StringArea() []byte { return d.strs }

// Source: see StringArea.
func (d *Doc) Source() []byte { return d.src }

// TapeNode and node must have the same layout for TapeNodes.
func init() {
	var t TapeNode
	var n node
	if unsafe.Sizeof(t) != unsafe.Sizeof(n) || unsafe.Offsetof(t.Off) != unsafe.Offsetof(n.off) ||
		unsafe.Offsetof(t.N) != unsafe.Offsetof(n.n) || unsafe.Offsetof(t.End) != unsafe.Offsetof(n.end) {
		panic("kwjson: TapeNode and node differ")
	}
}
