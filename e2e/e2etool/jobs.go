package main

import (
	"fmt"
	"io"
	"reflect"
)

// A Job's spec.template is immutable, so re-applying a changed Job under the
// same name is rejected (gitops.md §2.3, §5.1); and a Job whose content did
// not change must keep its name, or every render would run it again.
// cmdJobs checks both rules between two renders and prints one line per Job:
//
//	SAME     name                   (same name, same content)
//	NEW      name  [replaces OLD]   (new name, new content)
//	GONE     name                   (only in the old render)
//	VIOLATION text
//
// It exits 1 on a violation; when the old render has Jobs and none of them
// got a new name although the inputs changed, that is also a violation
// (e2e/run.sh gives it a changed spec: one more extension, a changed
// version).
func cmdJobs(w io.Writer, oldFile, newFile string) error {
	oldObjs, err := readObjects(oldFile)
	if err != nil {
		return err
	}
	newObjs, err := readObjects(newFile)
	if err != nil {
		return err
	}
	oldJobs, newJobs := jobsByName(oldObjs), jobsByName(newObjs)
	violations := 0
	violate := func(format string, args ...any) {
		violations++
		fmt.Fprintf(w, "VIOLATION\t"+format+"\n", args...)
	}
	renamed := 0
	for _, n := range sortedKeys(newJobs) {
		nj := newJobs[n].(obj)
		if oj, ok := oldJobs[n].(obj); ok {
			if reflect.DeepEqual(oj["spec"], nj["spec"]) {
				fmt.Fprintf(w, "SAME\t%s\n", n)
			} else {
				violate("Job %s keeps its name but its spec changed: kubectl apply fails on the immutable spec.template", n)
			}
			continue
		}
		replaced := ""
		for _, on := range sortedKeys(oldJobs) {
			oj := oldJobs[on].(obj)
			if _, still := newJobs[on]; still {
				continue
			}
			if reflect.DeepEqual(content(oj), content(nj)) {
				violate("Job %s has the content of %s under a new name: an unchanged Job must keep its name or it runs again", n, on)
			}
			if component(oj) != "" && component(oj) == component(nj) {
				replaced = on
			}
		}
		if replaced != "" {
			renamed++
			fmt.Fprintf(w, "NEW\t%s\treplaces %s\n", n, replaced)
		} else {
			fmt.Fprintf(w, "NEW\t%s\n", n)
		}
	}
	for _, on := range sortedKeys(oldJobs) {
		if _, ok := newJobs[on]; !ok {
			fmt.Fprintf(w, "GONE\t%s\n", on)
		}
	}
	if len(oldJobs) > 0 && len(newJobs) > 0 && renamed == 0 {
		violate("the changed spec gave no Job a new name: Job names must follow their content")
	}
	if violations > 0 {
		return errFailed
	}
	return nil
}

func jobsByName(objs []obj) obj {
	m := obj{}
	for _, o := range objs {
		if kind(o) == "Job" {
			m[namespace(o)+"/"+name(o)] = o
		}
	}
	return m
}

// content is what a Job does: everything but its name.
func content(o obj) any {
	c := deepCopy(o).(obj)
	if md, ok := c["metadata"].(obj); ok {
		delete(md, "name")
	}
	return c
}

func component(o obj) string { return str(o, "metadata", "labels", "app.kubernetes.io/component") }
