package yamlenc

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PlainIsString reports whether s, written unquoted, reads back as the
// string s: whether a YAML 1.1 parser (yaml.v2, which sigs.k8s.io/yaml and
// so kubectl use) resolves it to a string and not to a bool (y, yes, on,
// off, true, ...), null (~, null, the empty string), a number (ints in any
// base, floats, .inf, .nan), a timestamp, or a base-60 float (which yaml.v2
// quotes for other parsers' sake). It is yaml.v2's
// resolve(""), which its encoder consults, without the values. It does not
// consider the characters that need quoting whatever their meaning (": ",
// " #", a leading "-", ...): the emitter's analysis decides those.
func PlainIsString(s string) bool {
	if s == "" {
		return false // null
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		return !resolvesDigits(s) && !isBase60Float(s)
	case c == '.':
		if specialWords[s] {
			return false
		}
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		return !specialWords[s]
	}
	return true
}

// specialWords are yaml.v2's resolveMap: the plain words that are not
// strings.
var specialWords = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"true": true, "True": true, "TRUE": true,
	"on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"false": true, "False": true, "FALSE": true,
	"off": true, "Off": true, "OFF": true,
	"~": true, "null": true, "Null": true, "NULL": true,
	".nan": true, ".NaN": true, ".NAN": true,
	".inf": true, ".Inf": true, ".INF": true,
	"+.inf": true, "+.Inf": true, "+.INF": true,
	"-.inf": true, "-.Inf": true, "-.INF": true,
	// yaml.v2 lists the merge key "<<" too, but never looks a word starting
	// with '<' up: "<<" is written plain, and reads back as a string.
}

// resolvesDigits is yaml.v2's resolve for text starting with a sign or a
// digit: true when it reads as a timestamp, an integer or a float.
func resolvesDigits(s string) bool {
	if specialWords[s] {
		return true
	}
	if isTimestamp(s) {
		return true
	}
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return true
	}
	if isYAMLFloat(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return true
		}
	}
	if rest, ok := strings.CutPrefix(plain, "0b"); ok {
		if _, err := strconv.ParseInt(rest, 2, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseUint(rest, 2, 64); err == nil {
			return true
		}
	} else if rest, ok := strings.CutPrefix(plain, "-0b"); ok {
		if _, err := strconv.ParseInt("-"+rest, 2, 64); err == nil {
			return true
		}
	}
	return false
}

// isYAMLFloat matches yaml.v2's yamlStyleFloat,
// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, without a regexp.
func isYAMLFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// isBase60Float matches yaml.v2's base60float,
// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$, without a regexp:
// "1:20" is a number to YAML 1.1 parsers, so yaml.v2 quotes it.
func isBase60Float(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return false
	}
	i++
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
		i++
	}
	groups := 0
	for i < len(s) && s[i] == ':' {
		// [0-5]?[0-9]: one or two digits, a first of two at most 5.
		i++
		n := 0
		for i+n < len(s) && n < 2 && s[i+n] >= '0' && s[i+n] <= '9' {
			n++
		}
		switch {
		case n == 2 && s[i] <= '5':
			i += 2
		case n >= 1:
			// Either a single digit, or two digits whose first is above 5
			// (then only the first can match and the second must not follow,
			// which fails below).
			i++
		default:
			return false
		}
		groups++
	}
	if groups == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
			i++
		}
	}
	return i == len(s)
}

// timestampFormats are the layouts yaml.v2 reads a plain timestamp in.
var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp is yaml.v2's parseTimestamp: four digits, a dash, then one of
// the layouts above.
func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range timestampFormats {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// compareKeys orders mapping keys as yaml.v2 does (keyList.Less): letters by
// code point, letters before other characters, and runs of digits by their
// numeric value, so "a2" comes before "a10". Keys yaml.v2 finds equal
// (distinct invalid UTF-8 sequences all read as U+FFFD) are ordered by their
// bytes: yaml.v2 leaves them in map order, which varies from run to run.
func compareKeys(a, b string) int {
	if keyLess(a, b) {
		return -1
	}
	if keyLess(b, a) {
		return 1
	}
	return strings.Compare(a, b)
}

func keyLess(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		// Bytes are characters: no conversion to runes.
		return keyLessChars([]byte(a), []byte(b))
	}
	return keyLessChars([]rune(a), []rune(b))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isLetter and isDigit are unicode.IsLetter and unicode.IsDigit, answered
// without a call for ASCII (all of an ASCII key).
func isLetter[C byte | rune](c C) bool {
	if c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return unicode.IsLetter(rune(c))
}

func isDigit[C byte | rune](c C) bool {
	if c < utf8.RuneSelf {
		return c >= '0' && c <= '9'
	}
	return unicode.IsDigit(rune(c))
}

// keyLessChars is yaml.v2's keyList.Less for two strings, given as their
// characters: bytes for ASCII keys, runes otherwise. The ASCII and the
// Unicode order were two copies of this body; one body for both means a
// fix to one cannot miss the other.
func keyLessChars[C byte | rune](a, b []C) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		al, bl := isLetter(a[i]), isLetter(b[i])
		if al && bl {
			return a[i] < b[i]
		}
		if al || bl {
			return bl
		}
		var an, bn int64
		if a[i] == '0' || b[i] == '0' {
			for j := i - 1; j >= 0 && isDigit(a[j]); j-- {
				if a[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai, bi := i, i
		for ; ai < len(a) && isDigit(a[ai]); ai++ {
			an = an*10 + int64(a[ai]-'0')
		}
		for ; bi < len(b) && isDigit(b[bi]); bi++ {
			bn = bn*10 + int64(b[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return a[i] < b[i]
	}
	return len(a) < len(b)
}
