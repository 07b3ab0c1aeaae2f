package kafka

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

// TestHeaderLayout: recordHeaders casts []Header to []record.Header without
// copying, which is only sound while both have the same layout.
func TestHeaderLayout(t *testing.T) {
	var k Header
	var r record.Header
	if unsafe.Sizeof(k) != unsafe.Sizeof(r) || unsafe.Alignof(k) != unsafe.Alignof(r) {
		t.Fatalf("size/align %d/%d vs %d/%d", unsafe.Sizeof(k), unsafe.Alignof(k), unsafe.Sizeof(r), unsafe.Alignof(r))
	}
	if unsafe.Offsetof(k.Key) != unsafe.Offsetof(r.Key) || unsafe.Offsetof(k.Value) != unsafe.Offsetof(r.Value) {
		t.Fatalf("field offsets differ: Key %d vs %d, Value %d vs %d",
			unsafe.Offsetof(k.Key), unsafe.Offsetof(r.Key), unsafe.Offsetof(k.Value), unsafe.Offsetof(r.Value))
	}
	kt, rt := reflect.TypeFor[Header](), reflect.TypeFor[record.Header]()
	if kt.NumField() != rt.NumField() {
		t.Fatalf("%d fields vs %d", kt.NumField(), rt.NumField())
	}
	for i := range kt.NumField() {
		if kt.Field(i).Type != rt.Field(i).Type || kt.Field(i).Offset != rt.Field(i).Offset {
			t.Errorf("field %d: %s %v@%d vs %s %v@%d", i, kt.Field(i).Name, kt.Field(i).Type, kt.Field(i).Offset, rt.Field(i).Name, rt.Field(i).Type, rt.Field(i).Offset)
		}
	}
	// The cast itself: same elements, no copy.
	hs := []Header{{Key: "a", Value: []byte("1")}, {Key: "b", Value: nil}}
	rs := recordHeaders(hs)
	if len(rs) != 2 || rs[0].Key != "a" || string(rs[0].Value) != "1" || rs[1].Key != "b" || rs[1].Value != nil {
		t.Fatalf("recordHeaders = %+v", rs)
	}
	if unsafe.Pointer(&rs[0]) != unsafe.Pointer(&hs[0]) {
		t.Error("recordHeaders copied the headers")
	}
	if recordHeaders(nil) != nil {
		t.Error("recordHeaders(nil) != nil")
	}
}
