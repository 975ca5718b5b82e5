package gitops_test

import (
	"bytes"
	"os"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestArgoCDComponent checks what `kustomize build` makes of Argo CD's real
// argocd-repo-server Deployment with the deploy/argocd component: the sidecar
// the CMP documentation asks for, wired to volumes that exist. kustomize.sh
// builds it and sets COREDB_ARGOCD_BUILD to the output file.
func TestArgoCDComponent(t *testing.T) {
	file := os.Getenv("COREDB_ARGOCD_BUILD")
	if file == "" {
		t.Skip("COREDB_ARGOCD_BUILD is not set; run e2e/gitops/kustomize.sh")
	}
	out, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := os.ReadFile("../../deploy/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var (
		dep *appsv1.Deployment
		cm  *corev1.ConfigMap
	)
	for _, doc := range bytes.Split(out, []byte("\n---\n")) {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "Deployment":
			dep = &appsv1.Deployment{}
			err = yaml.UnmarshalStrict(doc, dep)
		case "ConfigMap":
			cm = &corev1.ConfigMap{}
			err = yaml.UnmarshalStrict(doc, cm)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if dep == nil || dep.Name != "argocd-repo-server" || cm == nil {
		t.Fatalf("want the argocd-repo-server Deployment and a ConfigMap in the output")
	}
	if cm.Name != "coredb-cmp-config" || cm.Data["plugin.yaml"] != string(plugin) {
		t.Errorf("ConfigMap %s: want coredb-cmp-config holding deploy/argocd/plugin.yaml unchanged", cm.Name)
	}

	pod := dep.Spec.Template.Spec
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	i := slices.IndexFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == "coredb-cmp" })
	if i < 0 {
		t.Fatal("no coredb-cmp container")
	}
	if !slices.ContainsFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == "argocd-repo-server" }) ||
		!slices.ContainsFunc(pod.InitContainers, func(c corev1.Container) bool { return c.Name == "copyutil" }) {
		t.Error("the repo server's own containers must survive the patch")
	}
	c := pod.Containers[i]
	if c.Image != "registry.example.com/platform/coredb:v0.1.0" {
		t.Errorf("image = %q; the images: override did not apply", c.Image)
	}
	if !slices.Equal(c.Command, []string{"/var/run/argocd/argocd-cmp-server"}) {
		t.Errorf("command = %q, want the argocd-cmp-server entrypoint", c.Command)
	}
	sc := c.SecurityContext
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 999 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("securityContext = %+v, want runAsUser 999 and runAsNonRoot", sc)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("mount %s: no volume %q in the pod", m.MountPath, m.Name)
		}
	}
	want := map[string]string{
		"/var/run/argocd":                            "var-files",
		"/home/argocd/cmp-server/plugins":            "plugins",
		"/home/argocd/cmp-server/config/plugin.yaml": "coredb-cmp-config",
		"/tmp": "coredb-cmp-tmp",
	}
	for path, vol := range want {
		if m, ok := mounts[path]; !ok || m.Name != vol {
			t.Errorf("mount %s: got %+v, want volume %s", path, m, vol)
		}
	}
	if m := mounts["/home/argocd/cmp-server/config/plugin.yaml"]; m.SubPath != "plugin.yaml" {
		t.Errorf("plugin.yaml must be mounted with subPath plugin.yaml, got %q", m.SubPath)
	}
	if v := volumes["coredb-cmp-tmp"]; v.EmptyDir == nil {
		t.Error("the sidecar's /tmp must be its own emptyDir")
	}
	for _, rc := range pod.Containers {
		for _, m := range rc.VolumeMounts {
			if rc.Name != "coredb-cmp" && m.Name == "coredb-cmp-tmp" {
				t.Errorf("container %s shares the sidecar's /tmp", rc.Name)
			}
		}
	}
	if v := volumes["coredb-cmp-config"]; v.ConfigMap == nil || v.ConfigMap.Name != cm.Name {
		t.Errorf("volume coredb-cmp-config must be the ConfigMap %s", cm.Name)
	}
}
