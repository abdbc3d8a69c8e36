package journal

import (
	"testing"

	"go.starlark.net/starlark"
)

// bigPoolResult is the recorded result of xe("pif-list", params="all")
// on a pool of 64 hosts with 16 PIFs each: 1024 dicts of the 45 fields
// xe prints for a PIF (pifListValue's records, 64 times over).
func bigPoolResult(b *testing.B) []byte {
	b.Helper()
	var recs []starlark.Value
	for h := 0; h < 64; h++ {
		l := pifListValue()
		for i := 0; i < l.Len(); i++ {
			recs = append(recs, l.Index(i))
		}
	}
	data, err := AppendValue(nil, starlark.NewList(recs))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecodePool decodes a recorded step result: 1024 PIF records
// of a 64-host pool, as replay does for every completed step.
func BenchmarkDecodePool(b *testing.B) {
	data := bigPoolResult(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeValue(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendPool encodes the same result, as a live step does
// before its completed record.
func BenchmarkAppendPool(b *testing.B) {
	v, err := DecodeValue(bigPoolResult(b))
	if err != nil {
		b.Fatal(err)
	}
	buf, _ := AppendValue(nil, v)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendValue(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}
