package yamlenc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	sigsyaml "sigs.k8s.io/yaml"
)

// The oracle: yaml.v2's Marshal is what sigs.k8s.io/yaml.Marshal ends in,
// and what coredb's output was written with before this package. Append
// must give the same bytes for every value it accepts.
func oracle(t testing.TB, v any) string {
	t.Helper()
	out, err := yamlv2.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func appendString(t testing.TB, v any) string {
	t.Helper()
	out, err := Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// tricky are strings whose writing depends on YAML's rules: YAML 1.1
// booleans and nulls, numbers in every base, timestamps, base-60 floats,
// indicators, whitespace at the ends, line breaks, non-printable and
// non-ASCII characters, long lines that fold, a BOM.
var tricky = []string{
	"", " ", "  ", "a", "A", "-", "--", "---", "----", "...", "- a", "-a", "? a", "?a", ":", ": a", "a:", "a: b", "a:b",
	"#", "#a", "a #b", "a#b", ",", "[", "]", "{", "}", "&a", "*a", "!a", "|", ">", "'", "\"", "%", "@", "`", "a'b", "a\"b",
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "true", "True",
	"TRUE", "false", "False", "FALSE", "yEs", "nO", "oN", "t", "f", "o", "~", "null", "Null", "NULL", "nULL", "<<", "<",
	".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.Inf", "+.INF", ".", ".5", ".e5", "..5", "._5",
	"0", "1", "-1", "+1", "01", "007", "08", "0x1F", "0X1F", "0o17", "0O17", "0b101", "-0b101", "0b2", "1_000", "_1",
	"1__0", "1e3", "1E3", "1e+3", "1.5e-3", "1.", "1.5", "-1.5", "+.5", "1e", "e3", "1.2.3", "9223372036854775807",
	"9223372036854775808", "18446744073709551615", "18446744073709551616", "-9223372036854775809", "0x", "1:20",
	"1:20:30", "-1:20", "+1:20.5", "1:2", "1:60", "1:59", "1:5_", "1_0:20", "1:20.", "1:20._", "12:345", "a1:20",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43Z", "2001-12-14 21:59:43.10", "2001-1-2",
	"2001-13-40", "20011-12-14", "2001-12", "2001-12-14 21:59:43.10 -5", "0.9", "200", "256MB", "4Gi", "2", "500m",
	"${VAR}", "$(VAR)", "%d", "a b", "a  b", " a", "a ", "\ta", "a\t", "a\tb", "a\nb", "a\n", "\na", "a\n\n", "\n", "\n\n",
	"a\n b", "a \nb", "a\r\nb", "a\rb", "a\u0085b", "a\u2028b", "a\u2029b", "é", "日本", "a\u00a0b", "\u00a0", "\x00",
	"\x07", "\x1b", "\x7f", "\ufeffa", "a\ufeff", "\ufffe", "\U0001F600", "a\\b", "C:\\path", "key=value",
	"https://example.com/a?b=c#d", "ghcr.io/cloudnative-pg/postgresql:16.15-202608170814-standard-trixie@sha256:613c",
	"host=db port=5432 user=app", "=", "a=b,c=d", "0.0.0.0/0", "10.0.0.1", "::1", "fe80::1", "-- comment", "select 1;",
	strings.Repeat("word ", 30), strings.Repeat("word ", 30) + "end", strings.Repeat("x", 100) + " " + strings.Repeat("y", 100),
	strings.Repeat("a ", 50) + " " + strings.Repeat("b ", 10), strings.Repeat("é ", 60), strings.Repeat("'q' ", 30),
	strings.Repeat("\"q\" ", 30), strings.Repeat("line one two three four five six seven eight nine ten\n", 3),
	strings.Repeat("line  with  double  spaces  ", 5) + "\n", "  leading\nlines\n", "trailing \nspace", "a\n\n\nb\n\n",
	"\xff", "a\xffb", strings.Repeat("\xfe", 80), strings.Repeat("k", 128), strings.Repeat("k", 129),
}

func TestStringsMatchYAMLv2(t *testing.T) {
	for _, s := range tricky {
		for _, v := range []any{
			map[string]any{"k": s},
			map[string]any{s: "v"},
			map[string]any{"l": []any{s, map[string]any{"a": s, s: []any{s}}}},
			map[string]any{"m": map[string]any{"n": map[string]any{"k": s}}},
			[]any{s},
		} {
			if got, want := appendString(t, v), oracle(t, v); got != want {
				t.Errorf("%q in %#v:\ngot\n%s\nwant (yaml.v2)\n%s", s, v, got, want)
			}
		}
	}
}

func TestScalarsMatchYAMLv2(t *testing.T) {
	for _, v := range []any{
		int64(0), int64(-5), int64(9223372036854775807), 42, int32(7), true, false, nil, 1.5, 1e21, 1e-7, 100.0,
		map[string]any{}, []any{}, map[string]any{"a": map[string]any{}, "b": []any{}},
		[]any{[]any{"a", []any{}}, []any{map[string]any{}}, map[string]any{"x": []any{"y"}}},
		map[string]any{"z": nil, "i": int64(3), "b": true, "f": 2.5},
		json.Number("5"), json.Number("-0"), json.Number("1.5"), json.Number("1e21"), json.Number("1E-7"),
		json.Number("12345678901234567890"), json.Number("1e400"), json.Number("x"),
	} {
		w := map[string]any{"v": v}
		if got, want := appendString(t, w), oracle(t, w); got != want {
			t.Errorf("%#v:\ngot\n%s\nwant (yaml.v2)\n%s", v, got, want)
		}
	}
	if _, err := Append(nil, map[string]any{"c": make(chan int)}); err == nil {
		t.Error("a channel encoded without error")
	}
}

// TestKeyOrderMatchesYAMLv2: yaml.v2 sorts keys with digit runs compared by
// value.
func TestKeyOrderMatchesYAMLv2(t *testing.T) {
	keys := []string{"a", "b", "A", "B", "a1", "a2", "a10", "a01", "a001", "a0", "a00", "1", "2", "10", "01", "0", "_",
		"-", ".", "a-b", "a_b", "a.b", "ab", "aB", "é", "e", "f", "日", "ä1", "ä10", "ä2", "x0y", "x00y", "x10y", "x9y",
		"app.kubernetes.io/name", "app.kubernetes.io/instance", "cnpg.io/hibernation", "k8s.io/x", "k8s9", "k8s10"}
	m := map[string]any{}
	for i, k := range keys {
		m[k] = i
	}
	if got, want := appendString(t, m), oracle(t, m); got != want {
		t.Errorf("got\n%s\nwant (yaml.v2)\n%s", got, want)
	}
}

// readBack parses a document the way kubectl does (sigs.k8s.io/yaml, YAML
// 1.1 resolution) and returns the value at "k".
func readBack(t testing.TB, doc string) any {
	t.Helper()
	var m map[string]any
	if err := sigsyaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("%q does not parse: %v", doc, err)
	}
	return m["k"]
}

// TestStringsReadBack: every string is read back by kubectl's parser as
// that same string, never as a bool, number, null or timestamp.
func TestStringsReadBack(t *testing.T) {
	for _, s := range tricky {
		if !utf8.ValidString(s) {
			continue // written as !!binary, as yaml.v2 does
		}
		doc := appendString(t, map[string]any{"k": s})
		if got := readBack(t, doc); got != s {
			t.Errorf("%q is written as %q and read back as %#v", s, doc, got)
		}
	}
}

// The regexps yaml.v2 uses, against which the hand-written matchers are
// checked.
var (
	yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	base60float    = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// TestMatchersExhaustive compares the matchers with the regexps on every
// string of up to 5 characters over the alphabet that matters to them.
func TestMatchersExhaustive(t *testing.T) {
	alphabet := []byte("+-.:_e059")
	var rec func(prefix []byte)
	n := 0
	rec = func(prefix []byte) {
		s := string(prefix)
		n++
		if got, want := isYAMLFloat(s), yamlStyleFloat.MatchString(s); got != want {
			t.Errorf("isYAMLFloat(%q) = %v, regexp says %v", s, got, want)
		}
		if got, want := isBase60Float(s), base60float.MatchString(s); got != want {
			t.Errorf("isBase60Float(%q) = %v, regexp says %v", s, got, want)
		}
		if len(prefix) == 5 {
			return
		}
		for _, c := range alphabet {
			rec(append(prefix, c))
		}
	}
	rec(nil)
	if n < 60000 {
		t.Fatalf("only %d strings", n)
	}
}

func FuzzMatchers(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isYAMLFloat(s), yamlStyleFloat.MatchString(s); got != want {
			t.Errorf("isYAMLFloat(%q) = %v, regexp says %v", s, got, want)
		}
		if got, want := isBase60Float(s), base60float.MatchString(s); got != want {
			t.Errorf("isBase60Float(%q) = %v, regexp says %v", s, got, want)
		}
	})
}

// FuzzString: any string, as a value and as a key, is written as yaml.v2
// writes it, and (when it is UTF-8) read back by kubectl's parser as itself.
func FuzzString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range []any{
			map[string]any{"k": s},
			map[string]any{s: "v", "l": []any{s}},
		} {
			if got, want := appendString(t, v), oracle(t, v); got != want {
				t.Fatalf("%q:\ngot\n%s\nwant (yaml.v2)\n%s", s, got, want)
			}
		}
		if utf8.ValidString(s) {
			doc := appendString(t, map[string]any{"k": s})
			if got := readBack(t, doc); got != s {
				t.Fatalf("%q is written as %q and read back as %#v", s, doc, got)
			}
		}
	})
}

// FuzzKeyOrder: keys are sorted as yaml.v2 sorts them.
// TestKeyOrderIntransitive: keys on which yaml.v2's order is a cycle (found
// by FuzzKeyOrder) come out the same on every run, whatever order the map
// iterates in.
func TestKeyOrderIntransitive(t *testing.T) {
	a, b, c := "0A", "2", "00002"
	if !keyLess(a, b) || !keyLess(b, c) || !keyLess(c, a) {
		t.Fatal("these keys no longer form a cycle; find others")
	}
	m := map[string]any{a: 1, b: 2, c: 3, "x": 4, "1": 5}
	first := appendString(t, m)
	for range 200 {
		if got := appendString(t, map[string]any{c: 3, "1": 5, a: 1, "x": 4, b: 2}); got != first {
			t.Fatalf("order changed:\n%s\nthen\n%s", first, got)
		}
	}
}

func FuzzKeyOrder(f *testing.F) {
	f.Add("a10", "a9", "a09")
	f.Add("é1", "e2", "0")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || !utf8.ValidString(c) {
			// Keys come from decoded YAML and Kubernetes field names: the
			// loader refuses invalid UTF-8, so the encoder never sees such a
			// key, and its order among binary keys (where yaml.v2 sorts by
			// decoded runes, RuneError included) is not part of the contract.
			t.Skip("invalid UTF-8 key")
		}
		for _, p := range [][2]string{{a, b}, {b, c}, {a, c}} {
			if p[0] != p[1] && !keyLess(p[0], p[1]) && !keyLess(p[1], p[0]) {
				t.Skip("keys yaml.v2 finds equal: it writes them in map order")
			}
		}
		ks := []string{a, b, c}
		for _, x := range ks {
			for _, y := range ks {
				for _, z := range ks {
					if keyLess(x, y) && keyLess(y, z) && keyLess(z, x) {
						// yaml.v2 then writes them in an order that depends
						// on map iteration; TestKeyOrderIntransitive checks
						// that coredb's does not.
						t.Skip("yaml.v2's order is not transitive on these keys")
					}
				}
			}
		}
		m := map[string]any{a: 1, b: 2, c: 3}
		if got, want := appendString(t, m), oracle(t, m); got != want {
			t.Fatalf("%q %q %q:\ngot\n%s\nwant (yaml.v2)\n%s", a, b, c, got, want)
		}
	})
}

func ExampleAppend() {
	out, _ := Append(nil, map[string]any{
		"kind":     "ConfigMap",
		"metadata": map[string]any{"name": "x", "labels": map[string]any{"on": "yes"}},
		"data":     map[string]any{"a10": "1", "a9": "0.9", "script": "set -e\necho hi\n"},
	})
	fmt.Print(string(out))
	// Output:
	// data:
	//   a9: "0.9"
	//   a10: "1"
	//   script: |
	//     set -e
	//     echo hi
	// kind: ConfigMap
	// metadata:
	//   labels:
	//     "on": "yes"
	//   name: x
}

// TestSimpleTextExhaustive checks the shortcut for simple text on every
// string of up to 5 characters over an alphabet of simple and nearly simple
// characters: the analysis it skips finds nothing, and the document is
// yaml.v2's.
func TestSimpleTextExhaustive(t *testing.T) {
	alphabet := []byte("a9_./-: #'")
	var rec func(prefix []byte)
	rec = func(prefix []byte) {
		s := string(prefix)
		if simpleText(s) {
			if got, want := analyzeFull(s), (analysis{blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}); got != want {
				t.Errorf("%q: analysis %+v, want nothing found", s, got)
			}
		}
		if len(prefix) <= 3 {
			v := map[string]any{s: s}
			if got, want := appendString(t, v), oracle(t, v); got != want {
				t.Errorf("%q:\ngot\n%s\nwant (yaml.v2)\n%s", s, got, want)
			}
		}
		if len(prefix) == 5 {
			return
		}
		for _, c := range alphabet {
			rec(append(prefix, c))
		}
	}
	rec(nil)
}
