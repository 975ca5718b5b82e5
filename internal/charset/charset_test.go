package charset

import (
	"regexp"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		spec string
		re   string
	}{
		{"a-z", `[a-z]`},
		{"-a-z0-9", `[-a-z0-9]`},
		{"a-z0-9_-", `[a-z0-9_-]`},
		{"0-9A-Za-z.+_-", `[0-9A-Za-z.+_-]`},
		{"A-Za-z0-9_$", `[A-Za-z0-9_$]`},
		{"", `[^\x00-\x{10FFFF}]`},
	} {
		s, re := Of(tc.spec), regexp.MustCompile(`^`+tc.re+`$`)
		for c := range 256 {
			if got, want := s.Has(byte(c)), re.MatchString(string([]byte{byte(c)})); got != want {
				t.Errorf("Of(%q).Has(%q) = %v; %s says %v", tc.spec, byte(c), got, tc.re, want)
			}
		}
	}
	for _, bad := range []string{"z-a", "a-\x80", "\xff"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Of(%q) did not panic", bad)
				}
			}()
			Of(bad)
		}()
	}
}

// wordCases are Word's arguments and the regular expression each means.
var wordCases = []struct {
	first, rest, last string
	max               int
	re                string
}{
	{"a-z", "-a-z0-9", "a-z0-9", 0, `^[a-z]([-a-z0-9]*[a-z0-9])?$`},
	{"a-z0-9", "a-z0-9_-", "a-z0-9_-", 63, `^[a-z0-9][a-z0-9_-]{0,62}$`},
	{"A-Za-z_", "A-Za-z0-9_$", "A-Za-z0-9_$", 0, `^[A-Za-z_][A-Za-z0-9_$]*$`},
}

func FuzzWord(f *testing.F) {
	for _, s := range []string{"", "a", "a-", "-a", "ab-c", "a\x80", "é", "a\n", "0", "_$", "x" + string(make([]byte, 70))} {
		f.Add(s)
	}
	res := make([]*regexp.Regexp, len(wordCases))
	for i, c := range wordCases {
		res[i] = regexp.MustCompile(c.re)
	}
	dns1123 := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1035 := regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := DNSLabel(s), dns1123.MatchString(s); got != want {
			t.Errorf("DNSLabel(%q) = %v, want %v", s, got, want)
		}
		if got, want := DNS1035Label(s), dns1035.MatchString(s); got != want {
			t.Errorf("DNS1035Label(%q) = %v, want %v", s, got, want)
		}
		for i, c := range wordCases {
			if got, want := Word(s, Of(c.first), Of(c.rest), Of(c.last), c.max), res[i].MatchString(s); got != want {
				t.Errorf("Word(%q) for %s = %v, want %v", s, c.re, got, want)
			}
		}
	})
}
