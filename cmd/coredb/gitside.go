package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/coredb-dev/coredb/compile"
)

// gitSides reads the two sides of `coredb diff --git REV PATH...`: each
// PATH (a file, or a directory's *.yaml and *.yml files) as it is in the
// commit REV names, read from git's object store, and as it is in the work
// tree. A PATH may be missing on one side (a database added or deleted),
// not on both. Old-side files are named REV:PATH in messages, so an error in
// the base revision says so.
func gitSides(rev string, paths []string) (old, cur []input, err error) {
	if strings.HasPrefix(rev, "-") {
		return nil, nil, fmt.Errorf("--git %q: a revision cannot start with -", rev)
	}
	commit, err := git("rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, nil, fmt.Errorf("--git %s: not a commit in this repository (%v)", rev, err)
	}
	at := strings.TrimSpace(string(commit))
	for _, p := range paths {
		o, err := gitFiles(rev, at, p)
		if err != nil {
			return nil, nil, err
		}
		c, err := workTreeFiles(p)
		if err != nil {
			return nil, nil, err
		}
		if o == nil && c == nil {
			return nil, nil, fmt.Errorf("%s: neither in %s nor in the work tree", p, rev)
		}
		old = append(old, o...)
		cur = append(cur, c...)
	}
	return old, cur, nil
}

// workTreeFiles is readInputs for one PATH, except that a missing PATH or a
// directory without YAML files is an empty side rather than an error.
func workTreeFiles(p string) ([]input, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		if !containsYAML(entries) {
			return []input{}, nil
		}
	}
	return readInputs([]string{p}, nil)
}

func containsYAML(entries []fs.DirEntry) bool {
	for _, e := range entries {
		if !e.IsDir() && isYAMLName(e.Name()) {
			return true
		}
	}
	return false
}

func isYAMLName(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// gitFiles reads PATH at commit: nil when the commit has no such path.
// PATH is taken relative to the current directory (git's "REV:./PATH").
func gitFiles(rev, commit, p string) ([]input, error) {
	rel := p
	if filepath.IsAbs(p) {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if rel, err = filepath.Rel(wd, p); err != nil {
			return nil, err
		}
	}
	switch rel = filepath.ToSlash(filepath.Clean(rel)); {
	case rel == ".":
		rel = "./"
	case rel != ".." && !strings.HasPrefix(rel, "../"):
		rel = "./" + rel
	}
	obj, err := git("rev-parse", "--verify", "--quiet", "--end-of-options", commit+":"+rel)
	if err != nil {
		return nil, nil // not in that commit
	}
	hash := strings.TrimSpace(string(obj))
	typ, err := git("cat-file", "-t", hash)
	if err != nil {
		return nil, err
	}
	name := func(file string) string { return rev + ":" + filepath.ToSlash(filepath.Join(p, file)) }
	switch strings.TrimSpace(string(typ)) {
	case "blob":
		src, err := gitBlob(rev+":"+filepath.ToSlash(p), hash)
		if err != nil {
			return nil, err
		}
		return []input{{name: rev + ":" + filepath.ToSlash(p), src: src}}, nil
	case "tree":
		// --full-tree: list the tree object itself, not the part of it
		// under the current directory.
		out, err := git("ls-tree", "-z", "--full-tree", hash)
		if err != nil {
			return nil, err
		}
		ins := []input{} // an existing directory: empty, not absent
		for _, entry := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
			meta, file, ok := strings.Cut(entry, "\t")
			f := strings.Fields(meta)
			if !ok || len(f) != 3 || f[1] != "blob" || !isYAMLName(file) {
				continue
			}
			src, err := gitBlob(name(file), f[2])
			if err != nil {
				return nil, err
			}
			ins = append(ins, input{name: name(file), src: src})
		}
		return ins, nil // ls-tree lists in name order, as a directory is read
	}
	return nil, fmt.Errorf("%s:%s is a %s, not a file or a directory", rev, p, strings.TrimSpace(string(typ)))
}

// gitBlob reads one file from git, refusing one over the input limit before
// reading it.
func gitBlob(name, hash string) ([]byte, error) {
	size, err := git("cat-file", "-s", hash)
	if err != nil {
		return nil, err
	}
	if n, err := strconv.Atoi(strings.TrimSpace(string(size))); err != nil || n > compile.MaxInputSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, compile.MaxInputSize)
	}
	return git("cat-file", "blob", hash)
}

// git runs git in the current directory and returns its stdout; its stderr
// becomes the error.
func git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %s", args[0], msg)
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return out, nil
}
