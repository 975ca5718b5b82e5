package manifestdiff

import (
	"fmt"
	"strings"
)

// maxCells bounds the longest-common-subsequence table (ints): 4M cells is
// 32 MB and a few milliseconds. Real scripts differ in a few hundred lines
// once the common head and tail are cut off.
const maxCells = 4_000_000

// Unified returns a unified diff of two multi-line strings, as diff -u
// prints it without the file header: "@@ -l,n +l,n @@" hunk headers, then
// lines starting with ' ' (context), '-' or '+'. context is the number of
// unchanged lines shown around each change. A last line without a newline
// is followed by "\ No newline at end of file", so a change of only the
// final newline still shows.
func Unified(a, b string, context int) []string {
	x, y := splitLines(a), splitLines(b)
	// Cut the common head and tail: the table is then small for the usual
	// change of a few lines in a long script.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	if len(mx)*len(my) > maxCells {
		return []string{fmt.Sprintf("@@ -%d,%d +%d,%d @@ (%d lines -> %d lines: too many changes to show line by line)", pre+1, len(mx), pre+1, len(my), len(x), len(y))}
	}
	// ops is the edit script over the whole of x and y: ' ', '-' or '+'
	// with the index of the line in x (for ' ' and '-') or y (for '+').
	type op struct {
		kind byte
		i, j int // line index in x and y before this op
	}
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{' ', i, i})
	}
	// lcs[i][j] is the LCS length of mx[i:] and my[j:].
	lcs := make([][]int32, len(mx)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(my)+1)
	}
	for i := len(mx) - 1; i >= 0; i-- {
		for j := len(my) - 1; j >= 0; j-- {
			if mx[i] == my[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(mx) || j < len(my) {
		switch {
		case i < len(mx) && j < len(my) && mx[i] == my[j]:
			ops = append(ops, op{' ', pre + i, pre + j})
			i, j = i+1, j+1
		case i < len(mx) && (j == len(my) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', pre + i, pre + j}) // removals first, as diff -u
			i++
		default:
			ops = append(ops, op{'+', pre + i, pre + j})
			j++
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, op{' ', len(x) - suf + k, len(y) - suf + k})
	}

	// Group changes into hunks with context lines around them; hunks closer
	// than 2*context lines merge, as in diff -u.
	var out []string
	for start := 0; start < len(ops); {
		for start < len(ops) && ops[start].kind == ' ' {
			start++
		}
		if start == len(ops) {
			break
		}
		end := start // one past the last change of this hunk
		for k := start; k < len(ops); k++ {
			if ops[k].kind != ' ' {
				end = k + 1
			} else if k-end >= 2*context {
				break
			}
		}
		lo, hi := max(0, start-context), min(len(ops), end+context)
		var body []string
		xn, yn := 0, 0
		for _, o := range ops[lo:hi] {
			switch o.kind {
			case ' ':
				body = append(body, " "+x[o.i].text)
				if x[o.i].noEOL {
					body = append(body, `\ No newline at end of file`)
				}
				xn++
				yn++
			case '-':
				body = append(body, "-"+x[o.i].text)
				if x[o.i].noEOL {
					body = append(body, `\ No newline at end of file`)
				}
				xn++
			case '+':
				body = append(body, "+"+y[o.j].text)
				if y[o.j].noEOL {
					body = append(body, `\ No newline at end of file`)
				}
				yn++
			}
		}
		out = append(out, fmt.Sprintf("@@ -%s +%s @@", hunkRange(ops[lo].i, xn), hunkRange(ops[lo].j, yn)))
		out = append(out, body...)
		start = hi
	}
	return out
}

// hunkRange is diff -u's "start,count": the count is left out when it is
// 1, and an empty range names the line before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

type line struct {
	text  string
	noEOL bool // the last line, not ended by a newline
}

func splitLines(s string) []line {
	if s == "" {
		return nil
	}
	parts := strings.SplitAfter(s, "\n")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]line, len(parts))
	for i, p := range parts {
		t, ok := strings.CutSuffix(p, "\n")
		out[i] = line{text: t, noEOL: !ok}
	}
	return out
}
