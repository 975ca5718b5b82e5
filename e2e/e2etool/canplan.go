package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// A Job that runs kubectl (the Trunk install Job: `kubectl exec` into every
// instance pod once the Cluster is ready) needs exactly: read pods (get,
// list), exec into them (create pods/exec) and read its own Cluster (get).
// Anything else is more than its script needs. A Job that does not run
// kubectl (the SQL Job talks to Postgres) needs no API access at all.
//
// The expectations come from what the scripts do, not from the rendered
// Role: the plan is the same whatever RBAC the compiler emits, so a Role that
// grants too much or too little fails.

// check is one `kubectl auth can-i` question and the answer it must get.
type check struct {
	want        string // "yes" or "no"
	sa          string
	saNamespace string
	verb        string
	target      string // resource[.group][/name]
	subresource string
	namespace   string // "" with target cluster-wide: --all-namespaces
	why         string
}

var kubectlWord = regexp.MustCompile(`(^|[^A-Za-z0-9_-])kubectl([^A-Za-z0-9_-]|$)`)

// jobInfo is what the plan needs to know about one Job.
type jobInfo struct {
	name, namespace, sa, cluster string
	usesAPI                      bool
}

func jobInfos(objs []obj) []jobInfo {
	configMaps := map[string]string{} // namespace/name -> all data
	clusters := map[string][]string{} // namespace -> Cluster names
	for _, o := range objs {
		switch kind(o) {
		case "ConfigMap":
			var b strings.Builder
			if d, ok := o["data"].(obj); ok {
				for _, k := range sortedKeys(d) {
					fmt.Fprintf(&b, "%v\n", d[k])
				}
			}
			configMaps[namespace(o)+"/"+name(o)] = b.String()
		case "Cluster":
			clusters[namespace(o)] = append(clusters[namespace(o)], name(o))
		}
	}
	var out []jobInfo
	for _, o := range objs {
		if kind(o) != "Job" {
			continue
		}
		pod, _ := get(o, "spec", "template", "spec").(obj)
		j := jobInfo{name: name(o), namespace: namespace(o), sa: "default"}
		if sa, _ := pod["serviceAccountName"].(string); sa != "" {
			j.sa = sa
		} else if sa, _ := pod["serviceAccount"].(string); sa != "" {
			j.sa = sa
		}
		// Everything the pod runs: commands, args, env values, and the
		// ConfigMaps it mounts (scripts usually live there).
		var text strings.Builder
		for _, list := range []string{"initContainers", "containers"} {
			cs, _ := pod[list].([]any)
			for _, c := range cs {
				text.WriteString(compactAll(get(c.(obj), "command")))
				text.WriteString(compactAll(get(c.(obj), "args")))
				text.WriteString(compactAll(get(c.(obj), "env")))
			}
		}
		vols, _ := pod["volumes"].([]any)
		for _, v := range vols {
			vm, _ := v.(obj)
			names := []string{str(vm, "configMap", "name")}
			srcs, _ := get(vm, "projected", "sources").([]any)
			for _, s := range srcs {
				if sm, ok := s.(obj); ok {
					names = append(names, str(sm, "configMap", "name"))
				}
			}
			for _, n := range names {
				if n != "" {
					text.WriteString(configMaps[j.namespace+"/"+n])
				}
			}
		}
		j.usesAPI = kubectlWord.MatchString(text.String())
		inst := str(o, "metadata", "labels", "app.kubernetes.io/instance")
		cs := clusters[j.namespace]
		switch {
		case slices.Contains(cs, inst):
			j.cluster = inst
		case len(cs) == 1:
			j.cluster = cs[0]
		}
		out = append(out, j)
	}
	return out
}

func compactAll(v any) string {
	if v == nil {
		return ""
	}
	return compact(deepCopy(v)) + "\n"
}

const clusterResource = "clusters.postgresql.cnpg.io"

// plan returns the checks for every service account the Jobs run as, and
// for the namespace's default service account.
func plan(jobs []jobInfo, other string) []check {
	type saKey struct{ ns, sa string }
	needs := map[saKey]bool{} // service account -> a Job of it runs kubectl
	clusterOf := map[saKey]string{}
	var order []saKey
	for _, j := range jobs {
		k := saKey{j.namespace, j.sa}
		if _, seen := needs[k]; !seen {
			order = append(order, k)
		}
		needs[k] = needs[k] || j.usesAPI
		if j.cluster != "" {
			clusterOf[k] = j.cluster
		}
	}
	nsSeen := map[string]bool{}
	for _, k := range order {
		if !nsSeen[k.ns] {
			nsSeen[k.ns] = true
			if _, ok := needs[saKey{k.ns, "default"}]; !ok {
				order = append(order, saKey{k.ns, "default"})
			}
		}
	}
	var out []check
	for _, k := range order {
		cl := clusterOf[k]
		add := func(want, verb, target, sub, ns, why string) {
			out = append(out, check{want, k.sa, k.ns, verb, target, sub, ns, why})
		}
		clusterTarget := clusterResource
		if cl != "" {
			clusterTarget += "/" + cl
		}
		if needs[k] {
			add("yes", "get", "pods", "", k.ns, "kubectl exec reads the pod")
			add("yes", "list", "pods", "", k.ns, "finds the instance pods by label")
			add("yes", "create", "pods", "exec", k.ns, "kubectl exec")
			add("yes", "get", clusterTarget, "", k.ns, "reads its Cluster")
		} else {
			add("no", "get", "pods", "", k.ns, "runs no kubectl")
			add("no", "list", "pods", "", k.ns, "runs no kubectl")
			add("no", "create", "pods", "exec", k.ns, "runs no kubectl")
			add("no", "get", clusterTarget, "", k.ns, "runs no kubectl")
		}
		add("no", "get", "secrets", "", k.ns, "credentials are not its business")
		add("no", "list", "secrets", "", k.ns, "credentials are not its business")
		add("no", "create", "pods", "", k.ns, "must not start pods")
		add("no", "delete", "pods", "", k.ns, "must not kill instances")
		add("no", "patch", clusterTarget, "", k.ns, "must not change the Cluster")
		add("no", "delete", clusterTarget, "", k.ns, "must not delete the Cluster")
		add("no", "update", "configmaps", "", k.ns, "must not rewrite its own scripts")
		if needs[k] && cl != "" {
			add("no", "get", clusterResource+"/"+cl+"-other", "", k.ns, "only its own Cluster")
		}
		add("no", "get", "pods", "", other, "another namespace")
		add("no", "create", "pods", "exec", other, "another namespace")
		add("no", "get", clusterResource, "", other, "another namespace")
		add("no", "list", "pods", "", "", "cluster-wide")
		add("no", "list", "namespaces", "", "", "cluster-wide")
	}
	return out
}

// cmdCanPlan prints one line per check:
//
//	want  sa-namespace  sa  verb  target  subresource  namespace  why
//
// with "-" for an empty subresource and "*" for all namespaces.
func cmdCanPlan(w io.Writer, other, renderFile string) error {
	objs, err := readObjects(renderFile)
	if err != nil {
		return err
	}
	for _, c := range plan(jobInfos(objs), other) {
		sub, ns := c.subresource, c.namespace
		if sub == "" {
			sub = "-"
		}
		if ns == "" {
			ns = "*"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.want, c.saNamespace, c.sa, c.verb, c.target, sub, ns, c.why)
	}
	return nil
}

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}
