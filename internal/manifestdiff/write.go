package manifestdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

// Formats Write knows.
const (
	Text     = "text"     // one line per object and per field, for terminals and logs
	Markdown = "markdown" // a pull-request comment: one collapsible section per object
	JSON     = "json"     // for bots: the Diff as one JSON document
)

// Formats lists the formats for help and error messages.
var Formats = []string{Text, Markdown, JSON}

// Write prints d in a format. An empty Diff prints nothing in text, and a
// "no changes" line in markdown and json, so a bot can post or parse it.
func (d *Diff) Write(w io.Writer, format string) error {
	var buf bytes.Buffer
	switch format {
	case Text:
		d.writeText(&buf)
	case Markdown:
		d.writeMarkdown(&buf)
	case JSON:
		if err := d.writeJSON(&buf); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown diff format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// header is the first line of an object: its identity and what happened.
func (o Object) header() string {
	if o.Change == Replaced {
		return fmt.Sprintf("%s -> %s: replaced", Key{o.Key.Group, o.Key.Kind, o.Key.Namespace, o.OldName}, o.Key.Name)
	}
	return fmt.Sprintf("%s: %s", o.Key, o.Change)
}

var textMark = map[string]string{Added: "+", Removed: "-", Changed: "~", Replaced: "~"}

func (d *Diff) writeText(w *bytes.Buffer) {
	if d.Empty() {
		return
	}
	for _, o := range d.Objects {
		if len(o.Fields) == 0 {
			fmt.Fprintf(w, "%s %s\n", textMark[o.Change], o.header())
			continue
		}
		if o.Change == Replaced {
			fmt.Fprintf(w, "~ %s (replaced):\n", strings.TrimSuffix(o.header(), ": replaced"))
		} else {
			fmt.Fprintf(w, "~ %s:\n", o.Key)
		}
		for _, f := range o.Fields {
			switch {
			case f.Secret:
				fmt.Fprintf(w, "    %s: %s (secret value not shown)\n", f.Path, f.Change)
			case f.Lines != nil:
				fmt.Fprintf(w, "    %s: changed lines:\n", f.Path)
				for _, l := range f.Lines {
					fmt.Fprintf(w, "      %s\n", l)
				}
			case f.Change == Added:
				fmt.Fprintf(w, "    %s: added %s\n", f.Path, show(f.New))
			case f.Change == Removed:
				fmt.Fprintf(w, "    %s: removed %s\n", f.Path, show(f.Old))
			default:
				fmt.Fprintf(w, "    %s: %s -> %s\n", f.Path, show(f.Old), show(f.New))
			}
		}
	}
	fmt.Fprintln(w, d.Summary())
}

// show renders a value as compact JSON: strings quoted, so "1" and 1 differ.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// maxMarkdown keeps a comment under GitHub's limit of 65,536 characters
// per comment (GitLab's is larger), with room for what a bot wraps it in.
const maxMarkdown = 60_000

// writeMarkdown writes a pull-request comment: a summary line, then one
// <details> section per changed or replaced object holding a ```diff block
// (GitHub, GitLab and Gitea colour its - and + lines), then a list of added
// and removed objects. Past maxMarkdown the remaining sections are named
// only, so the comment is never rejected for its size.
func (d *Diff) writeMarkdown(w *bytes.Buffer) {
	w.WriteString("#### coredb diff\n\n")
	if d.Empty() {
		w.WriteString("No changes.\n")
		return
	}
	fmt.Fprintf(w, "%s.\n\n", d.Summary())
	var cut []Object
	for _, o := range d.Objects {
		if len(o.Fields) == 0 {
			continue
		}
		section := markdownSection(o)
		if w.Len()+len(section) > maxMarkdown || len(cut) > 0 {
			cut = append(cut, o)
			continue
		}
		w.WriteString(section)
	}
	var list bytes.Buffer
	for _, o := range d.Objects {
		if len(o.Fields) == 0 {
			fmt.Fprintf(&list, "- %s `%s`\n", o.Change, codeSpan(o.Key.String()))
		}
	}
	if list.Len() > 0 && w.Len()+list.Len() <= maxMarkdown {
		w.Write(list.Bytes())
		w.WriteString("\n")
	} else if list.Len() > 0 {
		fmt.Fprintf(w, "%d objects added or removed are not listed: the comment would be too long.\n\n", bytes.Count(list.Bytes(), []byte("\n")))
	}
	if len(cut) > 0 {
		fmt.Fprintf(w, "%d more objects differ but are not shown here (the comment would be too long); run `coredb diff` to see them:\n\n", len(cut))
		for i, o := range cut {
			if w.Len() > maxMarkdown+4_000 {
				fmt.Fprintf(w, "- and %d more\n", len(cut)-i)
				break
			}
			fmt.Fprintf(w, "- %s `%s`\n", o.Change, codeSpan(o.Key.String()))
		}
	}
}

// markdownSection is one object as a collapsible section. The summary is
// HTML (Markdown is not parsed inside it), so names are escaped; the body is
// a fenced block longer than any run of backticks in it, so no content can
// close it early.
func markdownSection(o Object) string {
	var body strings.Builder
	for _, f := range o.Fields {
		fmt.Fprintf(&body, "@@ %s: %s @@\n", f.Path, f.Change)
		switch {
		case f.Secret:
			body.WriteString(" (secret value not shown)\n")
		case f.Lines != nil:
			for _, l := range f.Lines {
				body.WriteString(l + "\n")
			}
		default:
			if f.Change != Added {
				body.WriteString("-" + show(f.Old) + "\n")
			}
			if f.Change != Removed {
				body.WriteString("+" + show(f.New) + "\n")
			}
		}
	}
	fence := strings.Repeat("`", max(3, longestRun(body.String(), '`')+1))
	summary := fmt.Sprintf("<code>%s</code> %s", html.EscapeString(o.Key.String()), o.Change)
	if o.Change == Replaced {
		summary = fmt.Sprintf("<code>%s</code> replaced by <code>%s</code> (new content hash)",
			html.EscapeString(Key{o.Key.Group, o.Key.Kind, o.Key.Namespace, o.OldName}.String()), html.EscapeString(o.Key.Name))
	}
	n := len(o.Fields)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	return fmt.Sprintf("<details>\n<summary>%s: %d field%s</summary>\n\n%sdiff\n%s%s\n\n</details>\n\n", summary, n, plural, fence, body.String(), fence)
}

// codeSpan makes s safe inside a single-backtick code span: names cannot
// hold backticks in Kubernetes, but rendered streams given to diff may.
func codeSpan(s string) string { return strings.ReplaceAll(s, "`", "'") }

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// jsonObject is Object with its key spelled out for JSON readers.
type jsonObject struct {
	Change    string  `json:"change"`
	Group     string  `json:"group"`
	Kind      string  `json:"kind"`
	Namespace string  `json:"namespace,omitempty"`
	Name      string  `json:"name"`
	OldName   string  `json:"oldName,omitempty"`
	Fields    []Field `json:"fields,omitempty"`
}

func (d *Diff) writeJSON(w *bytes.Buffer) error {
	a, r, c, p := d.Counts()
	out := struct {
		Same    bool           `json:"same"`
		Summary map[string]int `json:"summary"`
		Objects []jsonObject   `json:"objects"`
	}{
		Same:    d.Empty(),
		Summary: map[string]int{Added: a, Removed: r, Changed: c, Replaced: p},
		Objects: []jsonObject{},
	}
	for _, o := range d.Objects {
		out.Objects = append(out.Objects, jsonObject{o.Change, o.Key.Group, o.Key.Kind, o.Key.Namespace, o.Key.Name, o.OldName, o.Fields})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
