// Command e2etool does the structured part of the end-to-end suite
// (e2e/run.sh): it compares what coredb renders with what the API server
// returns, plans the RBAC checks for the rendered Jobs, and compares the Jobs
// of two renders. It only reads files and prints lines; e2e/run.sh does
// everything that talks to the cluster.
//
//	e2etool objects RENDER.yaml
//	    one line per object: KIND<TAB>NAMESPACE<TAB>NAME
//	e2etool drift -label L RENDER.yaml SERVER.json
//	    OBJECT, DRIFT and ADDED lines (tab-separated); exit 1 on drift
//	e2etool added -known KNOWN.txt ADDED.tsv
//	    the server-added fields grouped by path, for the summary
//	e2etool canplan -other NS RENDER.yaml
//	    the `kubectl auth can-i` checks for the Jobs' service accounts
//	e2etool jobs OLD.yaml NEW.yaml
//	    Job names versus Job contents between two renders; exit 1 on a violation
//	e2etool split -served KINDS.txt -out SERVED.yaml RENDER.yaml
//	    writes the objects whose apiVersion and kind the server serves (KINDS.txt:
//	    "apiVersion Kind" lines, from kubectl api-resources) and prints the others
//	e2etool explode -out DIR RENDER.yaml
//	    writes each object to DIR/NNN.yaml and prints the file names
//	e2etool flags -table FLAGS.txt PATH TARGET
//	    the render flags of PATH (examples/x.yaml or conformance/dir/x.yaml)
//	    on TARGET from examples/flags.txt, one per line, --target first; a
//	    first line "!" says the target refuses the file even with them
//	e2etool runplan -major N -extdir DIR -libdir DIR -out DIR RENDER.yaml
//	    what the runtime stage runs and checks for a render (runtime.go):
//	    SKIP lines (reasons it cannot run here) or CLUSTER, KEY, PARAM, SQL,
//	    DATABASE and EXPECT lines; the SQL files are written under -out
//	e2etool pglog LOG...
//	    the ERROR, FATAL and PANIC messages of Postgres in instance manager logs
//	e2etool showsql PLAN | statesql
//	    the queries whose output showcheck and extcheck read
//	e2etool showcheck PLAN SHOWN | extcheck [-prev STATE] PLAN STATE
//	    rendered settings against SHOW; declared extensions against
//	    pg_extension; exit 1 on a difference
//	e2etool ignorecheck -doc DOC.md -allow PATHS PAIRS.tsv
//	    applies the ignoreDifferences snippet of DOC.md to the server's objects
//	    (PAIRS: label, render, server.json per line); exit 1 if it removes a
//	    field coredb writes or misses one the server adds (PATHS excepted)
//
// Exit codes: 0 ok, 1 a check failed, 2 bad usage or unreadable input.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

var errFailed = errors.New("check failed")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: e2etool objects|drift|added|canplan|jobs|split|explode|flags|runplan|pglog|showsql|statesql|showcheck|extcheck|ignorecheck ...")
		return exitUsage
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	label := fs.String("label", "", "drift: name of the input file, printed in every line")
	known := fs.String("known", "", "added: file of documented server-added paths")
	other := fs.String("other", "", "canplan: a namespace the Jobs must not reach")
	served := fs.String("served", "", "split: file of served \"apiVersion Kind\" lines")
	doc := fs.String("doc", "", "ignorecheck: Markdown file with the ignoreDifferences snippet")
	allow := fs.String("allow", "", "ignorecheck: comma-separated jq paths the snippet leaves out on purpose")
	prev := fs.String("prev", "", "extcheck: the state before this step; undeclared extensions installed then may stay")
	major := fs.String("major", "15", "runplan: the PostgreSQL major installed here")
	extDir := fs.String("extdir", "", "runplan: the server's extension directory")
	libDir := fs.String("libdir", "", "runplan: the server's package library directory")
	table := fs.String("table", "", "flags: the flags table (examples/flags.txt)")
	outFile := fs.String("out", "", "split: where to write the served objects; explode: directory")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	rest := fs.Args()
	var err error
	switch cmd := args[0]; {
	case cmd == "objects" && len(rest) == 1:
		err = cmdObjects(stdout, rest[0])
	case cmd == "drift" && len(rest) == 2:
		err = cmdDrift(stdout, *label, rest[0], rest[1])
	case cmd == "added" && len(rest) == 1:
		err = cmdAdded(stdout, *known, rest[0])
	case cmd == "canplan" && len(rest) == 1 && *other != "":
		err = cmdCanPlan(stdout, *other, rest[0])
	case cmd == "jobs" && len(rest) == 2:
		err = cmdJobs(stdout, rest[0], rest[1])
	case cmd == "split" && len(rest) == 1 && *served != "" && *outFile != "":
		err = cmdSplit(stdout, *served, *outFile, rest[0])
	case cmd == "ignorecheck" && len(rest) == 1 && *doc != "":
		err = cmdIgnoreCheck(stdout, *doc, *allow, rest[0])
	case cmd == "runplan" && len(rest) == 1 && *extDir != "" && *libDir != "" && *outFile != "":
		err = cmdRunPlan(stdout, runEnv{major: *major, extDir: *extDir, libDir: *libDir}, *outFile, rest[0])
	case cmd == "showsql" && len(rest) == 1:
		err = cmdShowSQL(stdout, rest[0])
	case cmd == "pglog" && len(rest) > 0:
		err = cmdPGLog(stdout, rest)
	case cmd == "statesql" && len(rest) == 0:
		err = cmdStateSQL(stdout)
	case cmd == "showcheck" && len(rest) == 2:
		err = cmdShowCheck(stdout, rest[0], rest[1])
	case cmd == "extcheck" && len(rest) == 2:
		err = cmdExtCheck(stdout, rest[0], rest[1], *prev)
	case cmd == "flags" && len(rest) == 2 && *table != "":
		err = cmdFlags(stdout, *table, rest[0], rest[1])
	case cmd == "explode" && len(rest) == 1 && *outFile != "":
		err = cmdExplode(stdout, *outFile, rest[0])
	default:
		fmt.Fprintf(stderr, "e2etool: bad usage: %s\n", strings.Join(args, " "))
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailed):
		return exitFail
	default:
		fmt.Fprintf(stderr, "e2etool: %v\n", err)
		return exitUsage
	}
}

// obj is one Kubernetes object as plain JSON values.
type obj = map[string]any

// readObjects reads a YAML stream or a JSON document (an object or a v1
// List) and returns its objects with JSON value types (float64 numbers).
func readObjects(file string) ([]obj, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var docs []any
	if t := bytes.TrimSpace(src); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(src))
		for {
			var v any
			if err := dec.Decode(&v); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			docs = append(docs, v)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(src))
		for {
			var v any
			if err := dec.Decode(&v); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			// Through JSON, so both inputs have the same value types.
			j, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			var w any
			if err := json.Unmarshal(j, &w); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			docs = append(docs, w)
		}
	}
	var out []obj
	for _, d := range docs {
		m, ok := d.(obj)
		if !ok {
			if d == nil {
				continue
			}
			return nil, fmt.Errorf("%s: a document is not an object", file)
		}
		if m["kind"] == "List" {
			items, _ := m["items"].([]any)
			for _, it := range items {
				if im, ok := it.(obj); ok {
					out = append(out, im)
				}
			}
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

func str(m obj, path ...string) string {
	v, _ := get(m, path...).(string)
	return v
}

func get(m obj, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(obj)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func kind(o obj) string      { return str(o, "kind") }
func name(o obj) string      { return str(o, "metadata", "name") }
func namespace(o obj) string { return str(o, "metadata", "namespace") }
func ref(o obj) string       { return kind(o) + "/" + name(o) }

func cmdObjects(w io.Writer, file string) error {
	objs, err := readObjects(file)
	if err != nil {
		return err
	}
	for _, o := range objs {
		fmt.Fprintf(w, "%s\t%s\t%s\n", kind(o), namespace(o), name(o))
	}
	return nil
}

// compact is a value as one line of JSON, shortened for reports.
func compact(v any) string {
	if v == nil {
		return "<absent>"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// cmdSplit keeps the objects of kinds the server serves. A kind without its
// CRD (say the Barman Cloud plugin's ObjectStore) makes kubectl reject the
// whole file before it sends anything, so the other objects would go
// unjudged.
func cmdSplit(w io.Writer, servedFile, outFile, renderFile string) error {
	src, err := readFile(servedFile)
	if err != nil {
		return err
	}
	served := map[string]bool{}
	for _, line := range strings.Split(src, "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			served[f[0]+" "+f[1]] = true
		}
	}
	objs, err := readObjects(renderFile)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, o := range objs {
		if !served[str(o, "apiVersion")+" "+kind(o)] {
			fmt.Fprintf(w, "%s %s %s\n", str(o, "apiVersion"), kind(o), name(o))
			continue
		}
		b, err := sigsyaml.Marshal(o)
		if err != nil {
			return err
		}
		if out.Len() > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	return os.WriteFile(outFile, out.Bytes(), 0o644)
}

// cmdExplode writes one file per object, so that a rejected file can be
// checked object by object: kubectl prints no objects when one fails.
func cmdExplode(w io.Writer, dir, renderFile string) error {
	objs, err := readObjects(renderFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, o := range objs {
		b, err := sigsyaml.Marshal(o)
		if err != nil {
			return err
		}
		f := filepath.Join(dir, fmt.Sprintf("%03d.yaml", i+1))
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(w, f)
	}
	return nil
}
