package yamlenc

import "encoding/base64"

// The functions below transcribe yaml.v2's emitterc.go (function names in
// their comments) for valid UTF-8 text, a line width of 80, an indentation
// of 2, LF line breaks and unicode output. Columns count characters.

// analysis is what yaml_emitter_analyze_scalar finds out about a text.
type analysis struct {
	multiline           bool
	blockPlainAllowed   bool
	singleQuotedAllowed bool
	blockAllowed        bool
}

// simpleText is true of text made of letters, digits and "_./-" only, other
// than "-" (a sequence entry) and text starting with "---" or "..." (document
// markers): most keys and values of a manifest. The analysis finds nothing
// in such text, so it is skipped.
func simpleText(v string) bool {
	if len(v) == 0 || v == "-" || len(v) >= 3 && (v[:3] == "---" || v[:3] == "...") {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-') {
			return false
		}
	}
	return true
}

// analyze is yaml_emitter_analyze_scalar at flow level 0.
func analyze(v string) analysis {
	if simpleText(v) {
		return analysis{blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	}
	return analyzeFull(v)
}

func analyzeFull(v string) analysis {
	if len(v) == 0 {
		return analysis{blockPlainAllowed: true, singleQuotedAllowed: true}
	}
	var (
		blockIndicators, lineBreaks, specialCharacters bool
		leadingSpace, leadingBreak                     bool
		trailingSpace, trailingBreak                   bool
		breakSpace, spaceBreak                         bool
		previousSpace, previousBreak                   bool
	)
	if len(v) >= 3 && (v[:3] == "---" || v[:3] == "...") {
		blockIndicators = true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(v); i += w {
		w = width(v[i])
		followedByWhitespace := i+w >= len(v) || isBlank(v, i+w)
		if i == 0 {
			switch v[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch v[i] {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		if !isPrintable(v, i) {
			specialCharacters = true
		}
		if v[i] == ' ' {
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(v) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		} else if isBreak(v, i) {
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(v) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		} else {
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = isBlankz(v, i)
	}
	a := analysis{multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.blockPlainAllowed = false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace {
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
	}
	if spaceBreak || specialCharacters {
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
		a.blockAllowed = false
	}
	if lineBreaks || blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// width is the length of the UTF-8 sequence starting with b.
func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

// at is v[i], or 0 past the end (libyaml's strings end in NUL).
func at(v string, i int) byte {
	if i < len(v) {
		return v[i]
	}
	return 0
}

func isBlank(v string, i int) bool { c := at(v, i); return c == ' ' || c == '\t' }

func isSpace(v string, i int) bool { return at(v, i) == ' ' }

func isBreak(v string, i int) bool {
	c := at(v, i)
	return c == '\r' || c == '\n' ||
		c == 0xC2 && at(v, i+1) == 0x85 || // NEL
		c == 0xE2 && at(v, i+1) == 0x80 && (at(v, i+2) == 0xA8 || at(v, i+2) == 0xA9) // LS, PS
}

func isBlankz(v string, i int) bool { return isBlank(v, i) || isBreak(v, i) || at(v, i) == 0 }

func isPrintable(v string, i int) bool {
	c := at(v, i)
	return c == 0x0A ||
		c >= 0x20 && c <= 0x7E ||
		c == 0xC2 && at(v, i+1) >= 0xA0 ||
		c > 0xC2 && c < 0xED ||
		c == 0xED && at(v, i+1) < 0xA0 ||
		c == 0xEE ||
		c == 0xEF && !(at(v, i+1) == 0xBB && at(v, i+2) == 0xBF) &&
			!(at(v, i+1) == 0xBF && (at(v, i+2) == 0xBE || at(v, i+2) == 0xBF))
}

// put writes one ASCII byte.
func (e *encoder) put(c byte) {
	e.buf = append(e.buf, c)
	e.column++
}

func (e *encoder) putBreak() {
	e.buf = append(e.buf, '\n')
	e.column = 0
}

// write copies the character at v[i] and returns the index after it.
func (e *encoder) write(v string, i int) int {
	w := width(v[i])
	e.buf = append(e.buf, v[i:i+w]...)
	e.column++
	return i + w
}

func (e *encoder) writeAll(s string) {
	for i := 0; i < len(s); {
		i = e.write(s, i)
	}
}

// writeBreak copies the line break at v[i] (write_break).
func (e *encoder) writeBreak(v string, i int) int {
	if v[i] == '\n' {
		e.putBreak()
		return i + 1
	}
	i = e.write(v, i)
	e.column = 0
	return i
}

// writeIndent is yaml_emitter_write_indent.
func (e *encoder) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
	e.indention = true
}

// writeIndicator is yaml_emitter_write_indicator.
func (e *encoder) writeIndicator(ind string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.writeAll(ind)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
	e.openEnded = false
}

// writePlain is yaml_emitter_write_plain_scalar.
func (e *encoder) writePlain(v string, allowBreaks, root bool) {
	if !e.whitespace {
		e.put(' ')
	}
	if simpleText(v) {
		// No space to fold at and no line break: the text as it is, one
		// column per byte (it is ASCII).
		e.buf = append(e.buf, v...)
		e.column += len(v)
		e.whitespace = false
		e.indention = false
		if root {
			e.openEnded = true
		}
		return
	}
	e.writeFolded(v, allowBreaks, false)
	e.whitespace = false
	e.indention = false
	if root {
		e.openEnded = true
	}
}

// writeSingleQuoted is yaml_emitter_write_single_quoted_scalar.
func (e *encoder) writeSingleQuoted(v string, allowBreaks bool) {
	e.writeIndicator("'", true, false, false)
	e.writeFolded(v, allowBreaks, true)
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeFolded writes the text of a plain or a single-quoted scalar, folding
// at a space past bestWidth when allowBreaks. libyaml has this loop twice,
// in yaml_emitter_write_plain_scalar and in
// yaml_emitter_write_single_quoted_scalar; one copy here keeps the two
// styles from drifting apart. Inside single quotes (quoted) two things
// differ, as in libyaml: a space that is the first or the last character is
// never folded at, and a quote is written twice.
func (e *encoder) writeFolded(v string, allowBreaks, quoted bool) {
	spaces, breaks := false, false
	for i := 0; i < len(v); {
		switch {
		case v[i] == ' ':
			if allowBreaks && !spaces && e.column > bestWidth && (!quoted || i > 0 && i < len(v)-1) && !isSpace(v, i+1) {
				e.writeIndent()
				i++
			} else {
				i = e.write(v, i)
			}
			spaces = true
		case isBreak(v, i):
			if !breaks && v[i] == '\n' {
				e.putBreak()
			}
			i = e.writeBreak(v, i)
			e.indention = true
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			if quoted && v[i] == '\'' {
				e.put('\'')
			}
			i = e.write(v, i)
			e.indention = false
			spaces, breaks = false, false
		}
	}
}

const hexDigits = "0123456789ABCDEF"

// writeDoubleQuoted is yaml_emitter_write_double_quoted_scalar.
func (e *encoder) writeDoubleQuoted(v string, allowBreaks bool) {
	// libyaml's is_bom looks at the start of the text whatever the
	// position: a text starting with a BOM is escaped throughout.
	bom := len(v) >= 3 && v[:3] == "\xEF\xBB\xBF"
	spaces := false
	e.writeIndicator(`"`, true, false, false)
	for i := 0; i < len(v); {
		if !isPrintable(v, i) || bom || isBreak(v, i) || v[i] == '"' || v[i] == '\\' {
			c := v[i]
			var w int
			var r rune
			switch {
			case c&0x80 == 0x00:
				w, r = 1, rune(c&0x7F)
			case c&0xE0 == 0xC0:
				w, r = 2, rune(c&0x1F)
			case c&0xF0 == 0xE0:
				w, r = 3, rune(c&0x0F)
			case c&0xF8 == 0xF0:
				w, r = 4, rune(c&0x07)
			}
			for k := 1; k < w; k++ {
				r = r<<6 + rune(v[i+k])&0x3F
			}
			i += w
			e.put('\\')
			switch r {
			case 0x00:
				e.put('0')
			case 0x07:
				e.put('a')
			case 0x08:
				e.put('b')
			case 0x09:
				e.put('t')
			case 0x0A:
				e.put('n')
			case 0x0B:
				e.put('v')
			case 0x0C:
				e.put('f')
			case 0x0D:
				e.put('r')
			case 0x1B:
				e.put('e')
			case 0x22:
				e.put('"')
			case 0x5C:
				e.put('\\')
			case 0x85:
				e.put('N')
			case 0xA0:
				e.put('_')
			case 0x2028:
				e.put('L')
			case 0x2029:
				e.put('P')
			default:
				switch {
				case r <= 0xFF:
					e.put('x')
					w = 2
				case r <= 0xFFFF:
					e.put('u')
					w = 4
				default:
					e.put('U')
					w = 8
				}
				for k := (w - 1) * 4; k >= 0; k -= 4 {
					e.put(hexDigits[(r>>uint(k))&0x0F])
				}
			}
			spaces = false
		} else if v[i] == ' ' {
			if allowBreaks && !spaces && e.column > bestWidth && i > 0 && i < len(v)-1 {
				e.writeIndent()
				if isSpace(v, i+1) {
					e.put('\\')
				}
				i++
			} else {
				i = e.write(v, i)
			}
			spaces = true
		} else {
			i = e.write(v, i)
			spaces = false
		}
	}
	e.writeIndicator(`"`, false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeLiteral is yaml_emitter_write_literal_scalar with
// yaml_emitter_write_block_scalar_hints.
func (e *encoder) writeLiteral(v string) {
	e.writeIndicator("|", true, false, false)
	if isSpace(v, 0) || isBreak(v, 0) {
		e.writeIndicator(string(rune('0'+bestIndent)), false, false, false)
	}
	e.openEnded = false
	var chomp string
	if len(v) == 0 {
		chomp = "-"
	} else {
		i := len(v) - 1
		for v[i]&0xC0 == 0x80 {
			i--
		}
		if !isBreak(v, i) {
			chomp = "-"
		} else if i == 0 {
			chomp = "+"
			e.openEnded = true
		} else {
			i--
			for v[i]&0xC0 == 0x80 {
				i--
			}
			if isBreak(v, i) {
				chomp = "+"
				e.openEnded = true
			}
		}
	}
	if chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
	e.putBreak()
	e.indention = true
	e.whitespace = true
	breaks := true
	for i := 0; i < len(v); {
		if isBreak(v, i) {
			i = e.writeBreak(v, i)
			e.indention = true
			breaks = true
		} else {
			if breaks {
				e.writeIndent()
			}
			i = e.write(v, i)
			e.indention = false
			breaks = false
		}
	}
}

// encodeBase64 is how yaml.v2 writes a string that is not UTF-8: base64 in
// lines of 70 characters, each ending in a line break when there are
// several.
func encodeBase64(s string) string {
	const lineLen = 70
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	lines := len(enc)/lineLen + 1
	out := make([]byte, 0, len(enc)+lines)
	for i := 0; i < len(enc); i += lineLen {
		j := min(i+lineLen, len(enc))
		out = append(out, enc[i:j]...)
		if lines > 1 {
			out = append(out, '\n')
		}
	}
	return string(out)
}
