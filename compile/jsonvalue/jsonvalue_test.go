package jsonvalue

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// oracle is what encoding/json makes of data when decoding into an any with
// UseNumber, as the encoder did before this package: ok is false where it
// refuses data (including anything after the value but white space).
func oracle(data []byte) (v any, ok bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	rest := data[d.InputOffset():]
	if len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return nil, false
	}
	return v, true
}

var cases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `-12E+4`, `true`, `false`, `null`,
	` {"a": [1, "x", true, null, {"b": {}}], "c": -0.25} `,
	`{"a":1,"a":2}`, // last wins
	`{"k":"tab\there \"q\" back\\slash \/ \b\f\n\r"}`,
	`"\u00e9\u4e2d\ud83d\ude00"`,                          // BMP and a surrogate pair
	`"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, // unpaired: U+FFFD
	"\"caf\xc3\xa9\"", "\"bad \xff utf8\"", "\"\xed\xa0\x80\"", // invalid UTF-8: U+FFFD
	`{"metadata":{"name":"x","labels":{"app":"y"}},"spec":{"instances":3}}`,
	// refused
	``, ` `, `{`, `[`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
	`tru`, `truex`, `nul`, `"abc`, `"\x"`, `"\u12"`, `"\u12zz"`, "\"a\nb\"", `{} {}`, `[1] x`,
	`"\`, `{"a":}`, `[,]`, `NaN`, `Infinity`,
}

func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, c := range cases {
		check(t, []byte(c))
	}
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	check(t, []byte(deep))
}

func check(t *testing.T, data []byte) {
	t.Helper()
	want, wantOK := oracle(data)
	got, err := Parse(data)
	if wantOK != (err == nil) {
		t.Fatalf("%q: encoding/json ok=%v, Parse err=%v", data, wantOK, err)
	}
	if wantOK && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", data, got, want)
	}
}

func TestParseTooDeep(t *testing.T) {
	if _, err := Parse([]byte(strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1))); err == nil {
		t.Fatal("nesting beyond maxDepth was accepted")
	}
	if _, err := Parse([]byte(strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth))); err != nil {
		t.Fatalf("nesting of maxDepth refused: %v", err)
	}
}

// TestKeysShared: a key that repeats is one string, which is what makes a
// document's tree cheap.
func TestKeysShared(t *testing.T) {
	v, err := Parse([]byte(`[{"name":1},{"name":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range v.([]any) {
		for k := range e.(map[string]any) {
			keys = append(keys, k)
		}
	}
	if len(keys) != 2 || keys[0] != "name" || unsafe.StringData(keys[0]) != unsafe.StringData(keys[1]) {
		t.Fatalf("keys %q are not one shared string", keys)
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
	})
}
