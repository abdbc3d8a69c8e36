package journal

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

func dict(kv ...any) *starlark.Dict {
	d := starlark.NewDict(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(starlark.Value)
		if !ok {
			k = starlark.String(kv[i].(string))
		}
		if err := d.SetKey(k, kv[i+1].(starlark.Value)); err != nil {
			panic(err)
		}
	}
	return d
}

func list(elems ...starlark.Value) *starlark.List { return starlark.NewList(elems) }

func mkstruct(kv ...any) *starlarkstruct.Struct {
	d := starlark.StringDict{}
	for i := 0; i < len(kv); i += 2 {
		d[kv[i].(string)] = kv[i+1].(starlark.Value)
	}
	return starlarkstruct.FromStringDict(starlarkstruct.Default, d)
}

func bigInt(s string) starlark.Int {
	z, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return starlark.MakeBigInt(z)
}

func TestValueEncode(t *testing.T) {
	i := starlark.MakeInt
	s := func(x string) starlark.String { return starlark.String(x) }
	tests := []struct {
		name string
		v    starlark.Value
		want string
	}{
		{"None", starlark.None, `null`},
		{"True", starlark.True, `true`},
		{"False", starlark.False, `false`},
		{"int", i(42), `42`},
		{"negative int", i(-7), `-7`},
		{"int64 min", starlark.MakeInt64(math.MinInt64), `-9223372036854775808`},
		{"big int", bigInt("1267650600228229401496703205376"), `1267650600228229401496703205376`},
		{"negative big int", bigInt("-98765432109876543210987654321"), `-98765432109876543210987654321`},
		{"float 1.0", starlark.Float(1), `1.0`},
		{"float 1.5", starlark.Float(1.5), `1.5`},
		{"float -0", starlark.Float(math.Copysign(0, -1)), `-0.0`},
		{"float 1e21", starlark.Float(1e21), `1e+21`},
		{"float 1e6", starlark.Float(1e6), `1e+06`},
		{"float tiny", starlark.Float(5e-324), `5e-324`},
		{"NaN", starlark.Float(math.NaN()), `{"$float":"nan"}`},
		{"+Inf", starlark.Float(math.Inf(1)), `{"$float":"+inf"}`},
		{"-Inf", starlark.Float(math.Inf(-1)), `{"$float":"-inf"}`},
		{"str", s("eth2"), `"eth2"`},
		{"empty str", s(""), `""`},
		{"str escapes", s("a\"b\\c\nd\re\tf\x00\x1f\x7f<&> é ☃ 😀 \u2028"), `"a\"b\\c\nd\re\tf\u0000\u001f` + "\x7f<&> é ☃ 😀 \u2028" + `"`},
		{"str not UTF-8", s("\xff\xfeok"), `{"$str_b64":"//5vaw=="}`},
		{"bytes", starlark.Bytes("\x00ab"), `{"$bytes":"AGFi"}`},
		{"empty bytes", starlark.Bytes(""), `{"$bytes":""}`},
		{"list", list(i(1), s("a"), starlark.None), `[1,"a",null]`},
		{"empty list", list(), `[]`},
		{"tuple", starlark.Tuple{i(1), starlark.Float(2)}, `{"$tuple":[1,2.0]}`},
		{"empty tuple", starlark.Tuple{}, `{"$tuple":[]}`},
		{"dict keeps order", dict("b", i(1), "a", i(2), "c", list()), `{"b":1,"a":2,"c":[]}`},
		{"empty dict", dict(), `{}`},
		{"dict with $ key", dict("x", i(1), "$tuple", list()), `{"$dict":{"x":1,"$tuple":[]}}`},
		{"struct", mkstruct("b", i(1), "a", s("x")), `{"$struct":{"a":"x","b":1}}`},
		{"empty struct", mkstruct(), `{"$struct":{}}`},
		{
			"nested",
			list(dict("uuid", s("u1"), "other-config", dict("management_purpose", s("Storage")), "t", starlark.Tuple{mkstruct("ok", starlark.True)})),
			`[{"uuid":"u1","other-config":{"management_purpose":"Storage"},"t":{"$tuple":[{"$struct":{"ok":true}}]}}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf, err := AppendValue([]byte("prefix "), tt.v)
			if err != nil {
				t.Fatalf("AppendValue: %v", err)
			}
			if got := string(buf); got != "prefix "+tt.want {
				t.Fatalf("AppendValue:\ngot  %s\nwant prefix %s", got, tt.want)
			}
			back, err := DecodeValue([]byte(tt.want))
			if err != nil {
				t.Fatalf("DecodeValue(%s): %v", tt.want, err)
			}
			if err := identical(back, tt.v); err != nil {
				t.Errorf("DecodeValue(%s): %v", tt.want, err)
			}
		})
	}
}

func TestValueEncodeErrors(t *testing.T) {
	thread := &starlark.Thread{Name: "test"}
	globals, err := starlark.ExecFileOptions(&syntax.FileOptions{Set: true}, thread, "f.star", "def f(): pass\ns = set([1])\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	fn, set := globals["f"], globals["s"]
	cyclic := list(starlark.None)
	_ = cyclic.SetIndex(0, cyclic)
	const want = ", want None, bool, int, float, str, bytes, list, tuple, dict with str keys or struct"
	tests := []struct {
		name string
		v    starlark.Value
		err  string
	}{
		{"function", list(starlark.MakeInt(1), starlark.None, dict("x", fn)), `result[2]["x"]: got function` + want},
		{"builtin", starlark.Universe["len"], `result: got builtin_function_or_method` + want},
		{"set", dict("a", dict("$b", starlark.Tuple{starlark.None, set})), `result["a"]["$b"][1]: got set` + want},
		{"int key", dict(starlark.MakeInt(1), starlark.None), `result: got dict with int key 1` + want},
		{"tuple key", list(dict("k", dict(starlark.Tuple{}, starlark.None))), `result[0]["k"]: got dict with tuple key ()` + want},
		{"other struct", mkstruct("p", starlarkstruct.FromStringDict(starlark.String("point"), nil)), `result.p: got struct made by "point"` + want},
		{"module", &starlarkstruct.Module{Name: "m", Members: starlark.StringDict{}}, `result: got module` + want},
		{"range", mkstruct("r", mustEval(t, "range(3)")), `result.r: got range` + want},
		{"quoted key", dict("a\"b\n", fn), `result["a\"b\n"]: got function` + want},
		{"Go nil", list(nil), `result[0]: got Go nil` + want},
		{"cycle", cyclic, `result` + strings.Repeat("[0]", maxValueDepth) + `: nested deeper than 64 levels (does the value contain itself?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf, err := AppendValue([]byte("keep"), tt.v)
			if err == nil || err.Error() != tt.err {
				t.Fatalf("AppendValue: got error %v\nwant %s", err, tt.err)
			}
			if string(buf) != "keep" {
				t.Errorf("AppendValue changed the buffer to %q on error", buf)
			}
		})
	}
	// The deepest value that is allowed, and one level more.
	var v starlark.Value = starlark.None
	for range maxValueDepth {
		v = starlark.Tuple{v}
	}
	if _, err := AppendValue(nil, v); err != nil {
		t.Errorf("AppendValue(%d tuples): %v", maxValueDepth, err)
	}
	if _, err := AppendValue(nil, list(v)); err == nil {
		t.Errorf("AppendValue(%d levels): no error", maxValueDepth+1)
	}
}

func mustEval(t *testing.T, expr string) starlark.Value {
	v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "expr", expr, starlark.Universe)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValueDecode(t *testing.T) {
	tests := []struct {
		in   string
		want starlark.Value
	}{
		{" \t\r\n null \n", starlark.None},
		{`[ 1 , -0 , 0 , 12345678901234567890 , -123456789012345678 , 1.5e3 , 2E-2 , -0.0 ]`, list(
			starlark.MakeInt(1), starlark.MakeInt(0), starlark.MakeInt(0), bigInt("12345678901234567890"),
			starlark.MakeInt64(-123456789012345678), starlark.Float(1500), starlark.Float(0.02), starlark.Float(math.Copysign(0, -1)))},
		{`"\"\\\/\b\f\n\r\t\u0041\u00e9\u2603\ud83d\ude00"`, starlark.String("\"\\/\b\f\n\r\t" + "Aé☃😀")},
		{`"\ud800x\udc00\ud800\u0041"`, starlark.String("\uFFFDx\uFFFD\uFFFDA")},
		{`"raw é \u00e9"`, starlark.String("raw é é")},
		{`{ "b" : { } , "a" : [ ] }`, dict("b", dict(), "a", list())},
		{`{"$dict":{}}`, dict()},
		{`{"$dict":{"plain":1}}`, dict("plain", starlark.MakeInt(1))},
		{`{"$str_b64":"aGk="}`, starlark.String("hi")},
		{`{"$struct":{"b":1,"a":2}}`, mkstruct("a", starlark.MakeInt(2), "b", starlark.MakeInt(1))},
		{`{ "$tuple" : [ [ ] ] }`, starlark.Tuple{list()}},
	}
	for _, tt := range tests {
		got, err := DecodeValue([]byte(tt.in))
		if err != nil {
			t.Errorf("DecodeValue(%s): %v", tt.in, err)
			continue
		}
		if err := identical(got, tt.want); err != nil {
			t.Errorf("DecodeValue(%s): %v", tt.in, err)
		}
	}
}

func TestValueDecodeErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{``, `offset 0: unexpected end of input, want a JSON value`},
		{`   `, `offset 3: unexpected end of input, want a JSON value`},
		{`nul`, `offset 0: unexpected 'n', want a JSON value`},
		{`nulls`, `offset 4: unexpected 's' after the value`},
		{`[1] x`, `offset 4: unexpected 'x' after the value`},
		{`[1,]`, `offset 3: unexpected ']', want a JSON value`},
		{`[1 2]`, `offset 3: unexpected '2', want ',' or ']'`},
		{`[`, `offset 1: unexpected end of input, want a JSON value`},
		{`{"a":1,}`, `offset 7: unexpected '}', want a string key`},
		{`{"a" 1}`, `offset 5: unexpected '1', want ':'`},
		{`{"a":1 "b":2}`, `offset 7: unexpected '"', want ',' or '}'`},
		{`{1:2}`, `offset 1: unexpected '1', want a string key`},
		{`{"a":1,"b":2,"a":3}`, `offset 13: repeated key "a"`},
		{`{"a":1,"$b":2}`, `offset 7: key "$b" outside "$dict"`},
		{`{"\u0024b":2}`, `offset 1: key "$b" outside "$dict"`},
		{`{"$foo":1}`, `offset 1: unknown tag "$foo"`},
		{`{"$tuple":1}`, `offset 10: unexpected '1', want '[' after "$tuple"`},
		{`{"$tuple":[1],"x":2}`, `offset 13: unexpected ',', want '}'`},
		{`{"$dict":[]}`, `offset 9: unexpected '[', want '{' after "$dict"`},
		{`{"$dict":{"a":1,"a":2}}`, `offset 16: repeated key "a"`},
		{`{"$struct":{"a":1,"a":2}}`, `offset 18: repeated field "a"`},
		{`{"$float":"inf"}`, `offset 1: $float: got "inf", want "nan", "+inf" or "-inf"`},
		{`{"$float":1}`, `offset 10: unexpected '1', want a string after "$float"`},
		{`{"$bytes":"!!"}`, `offset 1: $bytes: illegal base64 data at input byte 0`},
		{`{"$str_b64":"aGk"}`, `offset 1: $str_b64: illegal base64 data at input byte 0`},
		{`01`, `offset 0: number with a leading zero`},
		{`-`, `offset 1: unexpected end of input, want a digit`},
		{`-a`, `offset 1: unexpected 'a', want a digit`},
		{`1.`, `offset 2: unexpected end of input, want a digit after '.'`},
		{`1.e5`, `offset 2: unexpected 'e', want a digit after '.'`},
		{`1e+`, `offset 3: unexpected end of input, want a digit in the exponent`},
		{`+1`, `offset 0: unexpected '+', want a JSON value`},
		{`1e400`, `offset 0: float 1e400 out of range`},
		{`"abc`, `offset 0: string not closed`},
		{`"a\`, `offset 0: string not closed`},
		{"\"a\nb\"", `offset 2: control character 0x0a in a string`},
		{`"a\x"`, `offset 2: bad escape "\\x" in a string`},
		{`"\u12"`, `offset 1: bad \u escape in a string`},
		{`NaN`, `offset 0: unexpected 'N', want a JSON value`},
		{"\xff", `offset 0: unexpected byte 0xff, want a JSON value`},
		{"[\"\xff\",é]", `offset 5: unexpected 'é', want a JSON value`},
		{strings.Repeat("[", maxValueDepth+1), `offset 64: nested deeper than 64 levels`},
		{strings.Repeat(`{"$tuple":[`, maxValueDepth+1), `offset 714: nested deeper than 64 levels`},
	}
	for _, tt := range tests {
		v, err := DecodeValue([]byte(tt.in))
		if err == nil || err.Error() != tt.err {
			t.Errorf("DecodeValue(%q) = %v, %v\nwant error %s", tt.in, v, err, tt.err)
		}
	}
	// The deepest allowed nesting decodes.
	deep := strings.Repeat(`{"$tuple":[`, maxValueDepth) + strings.Repeat(`]}`, maxValueDepth)
	if _, err := DecodeValue([]byte(deep)); err != nil {
		t.Errorf("DecodeValue(%d tuples): %v", maxValueDepth, err)
	}
}

// identical reports how x differs from y in type, value or order; nil
// when they are the same value. starlark.Equal alone would take 1 for 1.0
// and ignore dict order. (It takes NaN for equal to NaN, as we do.)
func identical(x, y starlark.Value) error {
	if eq, err := starlark.Equal(x, y); err != nil || !eq {
		return fmt.Errorf("got %s, want %s (starlark.Equal: %v, %v)", x, y, eq, err)
	}
	return sameValue(x, y, "result")
}

func sameValue(x, y starlark.Value, path string) error {
	if x == nil || y == nil || x.Type() != y.Type() {
		return fmt.Errorf("%s: got %v, want %v", path, x, y)
	}
	switch x := x.(type) {
	case starlark.Float:
		y := y.(starlark.Float)
		if math.IsNaN(float64(x)) && math.IsNaN(float64(y)) {
			return nil
		}
		if x != y || math.Signbit(float64(x)) != math.Signbit(float64(y)) {
			return fmt.Errorf("%s: got float %v, want %v", path, x, y)
		}
	case *starlark.List:
		y := y.(*starlark.List)
		if x.Len() != y.Len() {
			return fmt.Errorf("%s: got %d elements, want %d", path, x.Len(), y.Len())
		}
		for i := range x.Len() {
			if err := sameValue(x.Index(i), y.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case starlark.Tuple:
		y := y.(starlark.Tuple)
		if len(x) != len(y) {
			return fmt.Errorf("%s: got %d elements, want %d", path, len(x), len(y))
		}
		for i := range x {
			if err := sameValue(x[i], y[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case *starlark.Dict:
		xi, yi := x.Items(), y.(*starlark.Dict).Items()
		if len(xi) != len(yi) {
			return fmt.Errorf("%s: got %d items, want %d", path, len(xi), len(yi))
		}
		for i := range xi {
			if err := sameValue(xi[i][0], yi[i][0], fmt.Sprintf("%s key %d", path, i)); err != nil {
				return err
			}
			if err := sameValue(xi[i][1], yi[i][1], fmt.Sprintf("%s[%s]", path, xi[i][0])); err != nil {
				return err
			}
		}
	case *starlarkstruct.Struct:
		y := y.(*starlarkstruct.Struct)
		if x.Constructor() != y.Constructor() {
			return fmt.Errorf("%s: got constructor %s, want %s", path, x.Constructor(), y.Constructor())
		}
		xn, yn := x.AttrNames(), y.AttrNames()
		if strings.Join(xn, ",") != strings.Join(yn, ",") {
			return fmt.Errorf("%s: got fields %q, want %q", path, xn, yn)
		}
		for _, n := range xn {
			xv, _ := x.Attr(n)
			yv, _ := y.Attr(n)
			if err := sameValue(xv, yv, path+"."+n); err != nil {
				return err
			}
		}
	default:
		if eq, err := starlark.Equal(x, y); err != nil || !eq {
			return fmt.Errorf("%s: got %s, want %s", path, x, y)
		}
	}
	return nil
}

// valueGen builds Starlark values from fuzz bytes, then zeros.
type valueGen struct{ data []byte }

func (g *valueGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *valueGen) bytes(max int) string {
	n := min(int(g.byte())%(max+1), len(g.data))
	s := string(g.data[:n])
	g.data = g.data[n:]
	return s
}

func (g *valueGen) text() string {
	const alphabet = "ab$\"\\\n\t\x00\x1f\x7fé☃😀 :,{}[]"
	r := []rune(alphabet)
	n := int(g.byte()) % 8
	var b strings.Builder
	for range n {
		b.WriteRune(r[int(g.byte())%len(r)])
	}
	return b.String()
}

func (g *valueGen) value(depth int) starlark.Value {
	op := g.byte() % 13
	if depth >= 6 && op >= 7 {
		op %= 7
	}
	switch op {
	case 0:
		return starlark.None
	case 1:
		return starlark.Bool(g.byte()&1 == 1)
	case 2:
		return starlark.MakeInt(int(int8(g.byte())))
	case 3:
		z := new(big.Int).SetBytes([]byte(g.bytes(24)))
		if g.byte()&1 == 1 {
			z.Neg(z)
		}
		return starlark.MakeBigInt(z)
	case 4:
		var u uint64
		for range 8 {
			u = u<<8 | uint64(g.byte())
		}
		return starlark.Float(math.Float64frombits(u))
	case 5:
		return starlark.String(g.bytes(16)) // often not UTF-8
	case 6:
		if g.byte()&1 == 1 {
			return starlark.Bytes(g.bytes(16))
		}
		return starlark.String(g.text())
	case 7, 8:
		elems := make([]starlark.Value, int(g.byte())%5)
		for i := range elems {
			elems[i] = g.value(depth + 1)
		}
		if op == 7 {
			return starlark.NewList(elems)
		}
		return starlark.Tuple(elems)
	case 9, 10:
		d := starlark.NewDict(0)
		for range int(g.byte()) % 6 {
			k := g.text()
			if g.byte()%3 == 0 {
				k = g.bytes(4)
			}
			_ = d.SetKey(starlark.String(k), g.value(depth+1))
		}
		return d
	case 11:
		fields := starlark.StringDict{}
		for range int(g.byte()) % 5 {
			fields[g.text()] = g.value(depth + 1)
		}
		return starlarkstruct.FromStringDict(starlarkstruct.Default, fields)
	default:
		return starlark.String(g.text())
	}
}

func FuzzValueRoundTrip(f *testing.F) {
	f.Add([]byte{7, 4, 0, 1, 1, 2, 200, 3, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0})
	f.Add([]byte{9, 3, 4, '$', 'a', 0, 0, 5, 3, 0xff, 0xfe, 'x', 11, 2, 3, 'a', 'b', 'c', 4, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{8, 2, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 4, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		v := (&valueGen{data: data}).value(0)
		buf, err := AppendValue(nil, v)
		if err != nil {
			t.Fatalf("AppendValue(%s): %v", v, err)
		}
		got, err := DecodeValue(buf)
		if err != nil {
			t.Fatalf("DecodeValue(%s): %v", buf, err)
		}
		if err := identical(got, v); err != nil {
			t.Fatalf("DecodeValue(%s): %v", buf, err)
		}
	})
}

func FuzzValueDecode(f *testing.F) {
	for _, s := range []string{
		`null`, `[1,-2.5e3,"x",{"$tuple":[true]}]`, `{"a":{"$dict":{"$b":null}}}`,
		`{"$struct":{"f":{"$bytes":"AA=="}}}`, `{"$float":"nan"}`, `"\ud83d\ude00\u0000"`, `{"$str_b64":"/w=="}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeValue(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "offset ") {
				t.Fatalf("DecodeValue(%q): error without an offset: %v", data, err)
			}
			return
		}
		// What decodes encodes, and reads back as the same value.
		buf, err := AppendValue(nil, v)
		if err != nil {
			t.Fatalf("AppendValue(DecodeValue(%q)): %v", data, err)
		}
		again, err := DecodeValue(buf)
		if err != nil {
			t.Fatalf("DecodeValue(%s): %v", buf, err)
		}
		if err := identical(again, v); err != nil {
			t.Fatalf("DecodeValue(%s): %v", buf, err)
		}
	})
}

// pifListValue is what xe pif-list params=all gives a runbook on a host
// with 16 NICs: a list of 16 dicts of 45 str fields, one of them a map.
func pifListValue() *starlark.List {
	fields := strings.Fields(`uuid device MAC physical managed currently-attached MTU VLAN
		vlan-master-of vlan-slave-of bond-master-of bond-slave-of sriov-physical-PIF-of
		sriov-logical-PIF-of tunnel-access-PIF-of tunnel-transport-PIF-of management
		network-uuid network-name-label host-uuid host-name-label IP-configuration-mode IP
		netmask gateway IPv6-configuration-mode IPv6 IPv6-gateway primary-address-type DNS
		properties capabilities io_read_kbs io_write_kbs carrier vendor-id vendor-name
		device-id device-name speed duplex disallow-unplug pci-bus-path other-config
		igmp-snooping-status`)
	recs := make([]starlark.Value, 16)
	for i := range recs {
		d := starlark.NewDict(len(fields))
		for _, f := range fields {
			var v starlark.Value = starlark.String(fmt.Sprintf("%s-value-%08x-4c1d-9a2b-%012d", f, i*7919, i))
			switch f {
			case "device":
				v = starlark.String(fmt.Sprintf("eth%d", i))
			case "other-config":
				v = dict("management_purpose", starlark.String("Storage"), "ethtool-gso", starlark.String("off"))
			case "bond-slave-of":
				v = starlark.String("<not in database>")
			}
			_ = d.SetKey(starlark.String(f), v)
		}
		recs[i] = d
	}
	return starlark.NewList(recs)
}

func BenchmarkAppendValue(b *testing.B) {
	v := pifListValue()
	buf, _ := AppendValue(nil, v)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendValue(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeValue(b *testing.B) {
	data, err := AppendValue(nil, pifListValue())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeValue(data); err != nil {
			b.Fatal(err)
		}
	}
}
