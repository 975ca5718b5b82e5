package manifestdiff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

func TestUnified(t *testing.T) {
	for _, tt := range []struct {
		name, a, b string
		want       []string
	}{
		{"same", "a\nb\n", "a\nb\n", nil},
		{"from empty", "", "a\n", []string{"@@ -0,0 +1 @@", "+a"}},
		{"to empty", "a\nb\n", "", []string{"@@ -1,2 +0,0 @@", "-a", "-b"}},
		{"one line", "a\nb\nc\n", "a\nB\nc\n", []string{"@@ -1,3 +1,3 @@", " a", "-b", "+B", " c"}},
		{"final newline", "a\nb", "a\nb\n", []string{"@@ -1,2 +1,2 @@", " a", "-b", `\ No newline at end of file`, "+b"}},
		{"insert at end", "a\nb\n", "a\nb\nc\n", []string{"@@ -1,2 +1,3 @@", " a", " b", "+c"}},
		{
			// Changes 7 unchanged lines apart (> 2*3) are two hunks; the
			// context is 3 lines each side.
			"two hunks", "x\n1\n2\n3\n4\n5\n6\n7\ny\n", "X\n1\n2\n3\n4\n5\n6\n7\nY\n",
			[]string{"@@ -1,4 +1,4 @@", "-x", "+X", " 1", " 2", " 3", "@@ -6,4 +6,4 @@", " 5", " 6", " 7", "-y", "+Y"},
		},
		{
			// 6 unchanged lines apart (= 2*3): one hunk, as diff -u does.
			"merged hunk", "x\n1\n2\n3\n4\n5\n6\ny\n", "X\n1\n2\n3\n4\n5\n6\nY\n",
			[]string{"@@ -1,8 +1,8 @@", "-x", "+X", " 1", " 2", " 3", " 4", " 5", " 6", "-y", "+Y"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, Unified(tt.a, tt.b, 3)); diff != "" {
				t.Errorf("Unified(%q, %q) (-want +got):\n%s", tt.a, tt.b, diff)
			}
		})
	}
}

// TestUnifiedPatches: applying the hunks to the old text gives the new one,
// for random edits of random texts. It checks the line numbers, counts and
// context of every hunk.
func TestUnifiedPatches(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			fmt.Fprintf(&b, "l%d\n", r.IntN(6))
		}
		s := b.String()
		if s != "" && r.IntN(4) == 0 {
			s = strings.TrimSuffix(s, "\n")
		}
		return s
	}
	for i := range 3000 {
		a, b := text(), text()
		got, err := applyUnified(a, Unified(a, b, r.IntN(4)))
		if err != nil || got != b {
			t.Fatalf("case %d: patch of %q to %q gives %q, %v; hunks:\n%s", i, a, b, got, err, strings.Join(Unified(a, b, 3), "\n"))
		}
	}
}

// applyUnified applies diff -u hunks to a, checking that context and
// removed lines match.
func applyUnified(a string, hunks []string) (string, error) {
	x := splitLines(a)
	var out []line
	next := 0 // index in x of the next line not yet copied
	for k := 0; k < len(hunks); k++ {
		h := hunks[k]
		var start int
		if _, err := fmt.Sscanf(h, "@@ -%d", &start); err != nil {
			return "", fmt.Errorf("bad hunk header %q", h)
		}
		if n := strings.Fields(h)[1]; strings.HasSuffix(n, ",0") {
			start++ // an empty range names the line before
		}
		for next < start-1 {
			out = append(out, x[next])
			next++
		}
		for k+1 < len(hunks) && !strings.HasPrefix(hunks[k+1], "@@") {
			k++
			l := hunks[k]
			noEOL := k+1 < len(hunks) && hunks[k+1] == `\ No newline at end of file`
			if noEOL {
				k++
			}
			ln := line{l[1:], noEOL}
			switch l[0] {
			case ' ', '-':
				if next >= len(x) || x[next] != ln {
					return "", fmt.Errorf("line %d: want %q, have %v", next+1, l, ln)
				}
				if l[0] == ' ' {
					out = append(out, ln)
				}
				next++
			case '+':
				out = append(out, ln)
			}
		}
	}
	out = append(out, x[next:]...)
	var b strings.Builder
	for _, l := range out {
		b.WriteString(l.text)
		if !l.noEOL {
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

func TestUnifiedTooBig(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	got := Unified(a.String(), b.String(), 3)
	if len(got) != 1 || !strings.Contains(got[0], "3000 lines -> 3000 lines") {
		t.Errorf("Unified of two 3000-line texts with nothing in common = %q, want one summary line", got)
	}
}

func cm(name, inst, comp string, data map[string]any) map[string]any {
	md := map[string]any{"name": name}
	if inst != "" {
		md["labels"] = map[string]any{instanceLabel: inst, componentLabel: comp}
	}
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data}
}

func objs(os ...map[string]any) map[Key]map[string]any {
	m := map[Key]map[string]any{}
	for _, o := range os {
		m[Key{Kind: o["kind"].(string), Name: o["metadata"].(map[string]any)["name"].(string)}] = o
	}
	return m
}

func changes(d *Diff) []string {
	var out []string
	for _, o := range d.Objects {
		s := o.Change + " " + o.Key.Name
		if o.OldName != "" {
			s += " was " + o.OldName
		}
		out = append(out, s)
	}
	return out
}

func TestComparePairs(t *testing.T) {
	data := map[string]any{"x": "1"}
	for _, tt := range []struct {
		name     string
		old, new map[Key]map[string]any
		want     []string
	}{
		{
			"content hash renamed",
			objs(cm("db-trunk-0123456789", "db", "trunk-install", data)),
			objs(cm("db-trunk-abcdefabcd", "db", "trunk-install", map[string]any{"x": "2"})),
			[]string{"replaced db-trunk-abcdefabcd was db-trunk-0123456789"},
		},
		{
			"no hash in the name: a rename is a new object",
			objs(cm("db-trunk", "db", "trunk-install", data)),
			objs(cm("db-trunk2", "db", "trunk-install", data)),
			[]string{"removed db-trunk", "added db-trunk2"},
		},
		{
			"no labels",
			objs(cm("db-trunk-0123456789", "", "", data)),
			objs(cm("db-trunk-abcdefabcd", "", "", data)),
			[]string{"removed db-trunk-0123456789", "added db-trunk-abcdefabcd"},
		},
		{
			"another component",
			objs(cm("db-trunk-0123456789", "db", "trunk-install", data)),
			objs(cm("db-trunk-abcdefabcd", "db", "extension-sql", data)),
			[]string{"removed db-trunk-0123456789", "added db-trunk-abcdefabcd"},
		},
		{
			"two candidates: no telling which became which",
			objs(cm("db-trunk-0123456789", "db", "trunk-install", data), cm("db-trunk-1123456789", "db", "trunk-install", data)),
			objs(cm("db-trunk-abcdefabcd", "db", "trunk-install", data)),
			[]string{"removed db-trunk-0123456789", "removed db-trunk-1123456789", "added db-trunk-abcdefabcd"},
		},
		{
			"unchanged content under a new hash is still shown",
			objs(cm("db-trunk-0123456789", "db", "trunk-install", data)),
			objs(cm("db-trunk-abcdefabcd", "db", "trunk-install", data)),
			[]string{"replaced db-trunk-abcdefabcd was db-trunk-0123456789"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, changes(Compare(tt.old, tt.new))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSecretsNeverShown: no format prints a Secret's values, whether the
// Secret changed, was replaced under a new hashed name, or gained or lost
// keys.
func TestSecretsNeverShown(t *testing.T) {
	secret := func(name string, data map[string]any) map[string]any {
		o := cm(name, "db", "creds", data)
		o["kind"] = "Secret"
		return o
	}
	old := objs(secret("s", map[string]any{"a": "hunter2", "b": "line1\nhunter3\n"}), secret("db-creds-0123456789", map[string]any{"k": "hunter4"}))
	cur := objs(secret("s", map[string]any{"a": "s3cret", "b": "line1\ns3cret2\n", "c": "s3cret3"}), secret("db-creds-abcdefabcd", map[string]any{"k": "s3cret4"}))
	d := Compare(old, cur)
	if a, r, c, p := d.Counts(); a+r != 0 || c != 1 || p != 1 {
		t.Fatalf("counts = %d added, %d removed, %d changed, %d replaced; want 1 changed, 1 replaced", a, r, c, p)
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := d.Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"hunter", "s3cret"} {
			if strings.Contains(buf.String(), v) {
				t.Errorf("format %s shows a secret value %q:\n%s", f, v, buf.String())
			}
		}
		if !strings.Contains(buf.String(), "secret") {
			t.Errorf("format %s does not say values are hidden:\n%s", f, buf.String())
		}
	}
}

// TestMarkdownFence: no content closes the diff block early.
func TestMarkdownFence(t *testing.T) {
	d := Compare(objs(cm("c", "", "", map[string]any{"s": "a\n"})), objs(cm("c", "", "", map[string]any{"s": "a\n``````\n</details>\n"})))
	var buf bytes.Buffer
	if err := d.Write(&buf, Markdown); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if !strings.Contains(md, "\n```````diff\n") || !strings.Contains(md, "\n```````\n") {
		t.Errorf("fence is not longer than the 6 backticks in the content:\n%s", md)
	}
}

// TestMarkdownSize: a diff too large for one comment is cut, and says so.
func TestMarkdownSize(t *testing.T) {
	old, cur := map[Key]map[string]any{}, map[Key]map[string]any{}
	for i := range 400 {
		name := "c" + strconv.Itoa(i)
		var a, b strings.Builder
		for j := range 30 {
			fmt.Fprintf(&a, "line %d of a long script that changes\n", j)
			fmt.Fprintf(&b, "line %d of a long script that changed\n", j)
		}
		old[Key{Kind: "ConfigMap", Name: name}] = cm(name, "", "", map[string]any{"s": a.String()})
		cur[Key{Kind: "ConfigMap", Name: name}] = cm(name, "", "", map[string]any{"s": b.String()})
	}
	var buf bytes.Buffer
	if err := Compare(old, cur).Write(&buf, Markdown); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 65536 {
		t.Errorf("markdown is %d bytes, over GitHub's 65536 per comment", buf.Len())
	}
	if !strings.Contains(buf.String(), "more objects differ but are not shown here") {
		t.Errorf("a cut comment does not say so")
	}
	if strings.Count(buf.String(), "<details>") != strings.Count(buf.String(), "</details>") {
		t.Errorf("unbalanced <details>")
	}
}
