package kwjson

import "bytes"

// memberSpan is one object member in the node array: its key node and the
// index one past its value's subtree.
type memberSpan struct{ key, end int32 }

// SortMembers reorders the members of every object of the document in
// ascending byte order of their decoded keys. The sort is stable: members
// with equal keys keep their document order and end up adjacent. Values
// read afterwards (Iter, Get, AppendMembers) see the new order; Get still
// returns the first of duplicate keys.
func (d *Doc) SortMembers() {
	if len(d.nodes) > 0 {
		d.sortNode(0)
	}
}

func (d *Doc) keyBytes(k int32) []byte {
	nd := &d.nodes[k]
	return d.strs[nd.off : nd.off+nd.n]
}

// sortNode sorts the objects of the subtree at i, innermost first.
func (d *Doc) sortNode(i int32) {
	nd := d.nodes[i]
	if nd.kind != Array && nd.kind != Object {
		return
	}
	obj := nd.kind == Object
	base := len(d.spans)
	for c, left := i+1, nd.n; left > 0; left-- {
		v := c
		if obj {
			v = c + 1
		}
		if k := d.nodes[v].kind; k == Array || k == Object {
			d.sortNode(v)
		}
		end := d.nodes[v].end
		if obj {
			d.spans = append(d.spans, memberSpan{key: c, end: end})
		}
		c = end
	}
	if obj && len(d.spans)-base > 1 {
		d.sortSpans(i, d.spans[base:])
	}
	d.spans = d.spans[:base]
}

// sortSpans orders the member spans of the object at i and, if they were
// not in order, moves the subtrees, shifting their end indexes.
func (d *Doc) sortSpans(i int32, ms []memberSpan) {
	sorted := true
	for j := 1; j < len(ms); j++ {
		if bytes.Compare(d.keyBytes(ms[j-1].key), d.keyBytes(ms[j].key)) > 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return
	}
	for j := 1; j < len(ms); j++ { // insertion sort: stable, objects are small
		m := ms[j]
		k := j
		for k > 0 && bytes.Compare(d.keyBytes(ms[k-1].key), d.keyBytes(m.key)) > 0 {
			ms[k] = ms[k-1]
			k--
		}
		ms[k] = m
	}
	from, to := i+1, d.nodes[i].end
	d.tmp = append(d.tmp[:0], d.nodes[from:to]...)
	at := from
	for _, m := range ms {
		src := d.tmp[m.key-from : m.end-from]
		delta := at - m.key
		for j, nd := range src {
			nd.end += delta
			d.nodes[at+int32(j)] = nd
		}
		at += m.end - m.key
	}
}
