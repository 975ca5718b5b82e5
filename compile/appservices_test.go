package compile_test

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/compile"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// compileDoc compiles one CoreDB document given as text. A load error fails
// the test; compile errors are returned with the warnings.
func compileDoc(t *testing.T, src string, opts compile.Options) ([]compile.Object, compile.ErrorList, compile.ErrorList) {
	t.Helper()
	dbs, _, err := compile.Load("db.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	objs, warns, err := compile.Compile(dbs, opts)
	var errs compile.ErrorList
	if err != nil && !errors.As(err, &errs) {
		t.Fatalf("compile: %v", err)
	}
	return objs, warns, errs
}

// mustCompile compiles a document that must have no errors.
func mustCompile(t *testing.T, src string, opts compile.Options) ([]compile.Object, compile.ErrorList) {
	t.Helper()
	objs, warns, errs := compileDoc(t, src, opts)
	if len(errs) > 0 {
		t.Fatalf("unexpected errors:\n%v", errs)
	}
	return objs, warns
}

// findObj returns the object of the given kind and name, or nil.
func findObj[T compile.Object](objs []compile.Object, kind, name string) T {
	var zero T
	for _, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Kind == kind && o.GetName() == name {
			if x, ok := o.(T); ok {
				return x
			}
		}
	}
	return zero
}

func kindCount(objs []compile.Object, kind string) int {
	n := 0
	for _, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Kind == kind {
			n++
		}
	}
	return n
}

// hasEntry reports whether the list has an entry at path whose message
// matches the regular expression.
func hasEntry(l compile.ErrorList, path, re string) bool {
	r := regexp.MustCompile(re)
	for _, e := range l {
		if e.Path == path && r.MatchString(e.Msg) {
			return true
		}
	}
	return false
}

// withApps is a CoreDB named name whose spec is the given YAML (indented by
// two spaces under spec:).
func withApps(name, spec string) string {
	return "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: " + name + "\nspec:\n  image: ghcr.io/cloudnative-pg/postgresql:16-standard-trixie\n" + spec
}

func TestAppServiceNames(t *testing.T) {
	name50 := "a" + strings.Repeat("b", 49)
	tests := []struct {
		db, apps string
		path     string // where the error is; "" means no error
		msg      string
	}{
		{"db", "  - {name: api, image: x:1}", "", ""},
		{"db", "  - {name: 1api, image: x:1}", "", ""}, // DNS-1123: may start with a digit after the prefix
		{"db", "  - {image: x:1}", "spec.appServices[0].name", "required"},
		{"db", "  - {name: Api, image: x:1}", "spec.appServices[0].name", "DNS-1123 label"},
		{"db", "  - {name: api_v1, image: x:1}", "spec.appServices[0].name", "DNS-1123 label"},
		{"db", "  - {name: api-, image: x:1}", "spec.appServices[0].name", "DNS-1123 label"},
		{"db", "  - {name: api, image: x:1}\n  - {name: web, image: x:1}\n  - {name: api, image: y:1}", "spec.appServices[2].name", `duplicate.*spec.appServices\[0\]`},
		{"db", "  - {name: rw, image: x:1}", "spec.appServices[0].name", "db-rw.*read-write Service"},
		{"db", "  - {name: dedicated, image: x:1}", "spec.appServices[0].name", "dedicated"},
		// 50 + 1 + 12 = 63 characters: the longest valid name.
		{name50, "  - {name: " + strings.Repeat("c", 12) + ", image: x:1}", "", ""},
		{name50, "  - {name: " + strings.Repeat("c", 13) + ", image: x:1}", "spec.appServices[0].name", `64 characters.*at most 12`},
	}
	for _, tt := range tests {
		t.Run(tt.db+"/"+tt.apps, func(t *testing.T) {
			objs, _, errs := compileDoc(t, withApps(tt.db, "  appServices:\n"+tt.apps+"\n"), compile.Options{})
			if tt.path == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				if kindCount(objs, "Deployment") == 0 {
					t.Fatal("no Deployment")
				}
				for _, o := range objs {
					if n := o.GetName(); len(n) > 63 {
						t.Errorf("%s name %q is longer than 63", o.GetObjectKind().GroupVersionKind().Kind, n)
					}
				}
				return
			}
			if !hasEntry(errs, tt.path, tt.msg) {
				t.Fatalf("want an error at %s matching %q, got:\n%v", tt.path, tt.msg, errs)
			}
		})
	}
}

// expandEnv resolves a container's env the way the kubelet does: secret and
// field references from the given maps, then $(VAR) references to variables
// defined earlier in the list ($$ is a literal $; unknown references stay).
func expandEnv(t *testing.T, env []corev1.EnvVar, secrets map[string]map[string]string, namespace string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ref := regexp.MustCompile(`\$\$|\$\(([-._a-zA-Z0-9]+)\)`)
	for _, e := range env {
		switch {
		case e.ValueFrom == nil:
			out[e.Name] = ref.ReplaceAllStringFunc(e.Value, func(m string) string {
				if m == "$$" {
					return "$"
				}
				if v, ok := out[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})
		case e.ValueFrom.SecretKeyRef != nil:
			s := e.ValueFrom.SecretKeyRef
			v, ok := secrets[s.Name][s.Key]
			if !ok {
				t.Fatalf("env %s: Secret %s has no key %q", e.Name, s.Name, s.Key)
			}
			out[e.Name] = v
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			out[e.Name] = namespace
		default:
			t.Fatalf("env %s: unexpected source %+v", e.Name, e.ValueFrom)
		}
	}
	return out
}

// cnpgAppSecret is what CloudNativePG puts in <cluster>-app
// (cloudnativepg.md §3.2): a 64-character alphanumeric password.
func cnpgAppSecret(cluster, ns string) map[string]string {
	pw := strings.Repeat("aZ09", 16)
	return map[string]string{
		"username": "app", "user": "app", "password": pw, "dbname": "app",
		"host": cluster + "-rw", "port": "5432",
		"uri": fmt.Sprintf("postgresql://app:%s@%s-rw.%s:5432/app", pw, cluster, ns),
	}
}

func TestAppServiceEnv(t *testing.T) {
	src := withApps("orders", `  replicas: 2
  appServices:
    - name: api
      image: postgrest/postgrest:v12.2.8
      env:
        - {name: RW, valueFromPlatform: ReadWriteConnection}
        - {name: RO, valueFromPlatform: ReadOnlyConnection}
        - {name: PLAIN, value: "a $(RW) b"}
        - {name: EMPTY, value: ""}
`)
	objs, warns := mustCompile(t, src, compile.Options{})
	d := findObj[*appsv1.Deployment](objs, "Deployment", "orders-api")
	if d == nil {
		t.Fatal("no Deployment orders-api")
	}
	secret := cnpgAppSecret("orders", "prod")
	env := expandEnv(t, d.Spec.Template.Spec.Containers[0].Env, map[string]map[string]string{"orders-app": secret}, "prod")

	if env["RW"] != secret["uri"] {
		t.Errorf("RW = %q, want the app Secret's uri %q", env["RW"], secret["uri"])
	}
	ro, err := url.Parse(env["RO"])
	if err != nil {
		t.Fatalf("RO %q: %v", env["RO"], err)
	}
	pw, _ := ro.User.Password()
	if ro.Scheme != "postgresql" || ro.User.Username() != "app" || pw != secret["password"] || ro.Host != "orders-ro:5432" || ro.Path != "/app" {
		t.Errorf("RO = %q, want the app user's URI on orders-ro:5432, database app", env["RO"])
	}
	if env["PLAIN"] != "a "+secret["uri"]+" b" {
		t.Errorf("PLAIN = %q: a user value may reference earlier variables", env["PLAIN"])
	}
	if v, ok := env["EMPTY"]; !ok || v != "" {
		t.Errorf("EMPTY = %q, %v: an explicit empty value must be kept", v, ok)
	}
	if env["NAMESPACE"] != "prod" {
		t.Errorf("NAMESPACE = %q, want the pod's namespace", env["NAMESPACE"])
	}
	if len(warns) > 0 {
		t.Errorf("unexpected warnings: %v", warns)
	}

	// Apps that ask for no read-only connection get no credential helpers.
	objs, _ = mustCompile(t, withApps("orders", "  appServices:\n    - {name: api, image: x:1, env: [{name: A, value: b}, {name: NAMESPACE, value: mine}]}\n"), compile.Options{})
	d = findObj[*appsv1.Deployment](objs, "Deployment", "orders-api")
	got := d.Spec.Template.Spec.Containers[0].Env
	if len(got) != 2 || got[1].Name != "NAMESPACE" || got[1].Value != "mine" {
		t.Errorf("env = %+v, want only the user's A and NAMESPACE", got)
	}
}

func TestAppServiceEnvErrors(t *testing.T) {
	tests := []struct{ env, path, msg string }{
		{`[{name: A, value: x, valueFromPlatform: ReadWriteConnection}]`, "spec.appServices[0].env[0]", "not several"},
		{`[{name: A, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}]`, "spec.appServices[0].env[0]", "not several"},
		{`[{name: A}]`, "spec.appServices[0].env[0]", "needs value, valueFrom"},
		{`[{name: A, valueFrom: {}}]`, "spec.appServices[0].env[0].valueFrom", "exactly one of secretKeyRef and configMapKeyRef"},
		{`[{name: A, valueFrom: {secretKeyRef: {name: s, key: k}, configMapKeyRef: {name: c, key: k}}}]`, "spec.appServices[0].env[0].valueFrom", "exactly one of"},
		{`[{name: A, valueFrom: {secretKeyRef: {name: My_Secret, key: k}}}]`, "spec.appServices[0].env[0].valueFrom.secretKeyRef.name", "not a valid Secret name"},
		{`[{name: A, valueFrom: {configMapKeyRef: {name: c, key: "a/b"}}}]`, "spec.appServices[0].env[0].valueFrom.configMapKeyRef.key", "not a valid ConfigMap key"},
		{`[{name: A, valueFrom: {secretKeyRef: {name: s}}}]`, "spec.appServices[0].env[0].valueFrom.secretKeyRef.key", "not a valid Secret key"},
		{`[{name: A, valueFromPlatform: ReadWrite}]`, "spec.appServices[0].env[0].valueFromPlatform", "ReadWriteConnection or ReadOnlyConnection"},
		{`[{name: A, value: x}, {name: A, value: y}]`, "spec.appServices[0].env[1].name", `duplicate.*env\[0\]`},
		{`[{name: "1A", value: x}]`, "spec.appServices[0].env[0].name", "not a valid environment variable name"},
		{`[{name: COREDB_APP_PASSWORD, value: x}]`, "spec.appServices[0].env[0].name", "reserved"},
		{`[{value: x}]`, "spec.appServices[0].env[0].name", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			_, _, errs := compileDoc(t, withApps("db", "  appServices:\n    - {name: api, image: x:1, env: "+tt.env+"}\n"), compile.Options{})
			if !hasEntry(errs, tt.path, tt.msg) {
				t.Fatalf("want an error at %s matching %q, got:\n%v", tt.path, tt.msg, errs)
			}
		})
	}
}

func TestAppServiceWarnings(t *testing.T) {
	tests := []struct{ spec, path, msg string }{
		{"  appServices: [{name: api, image: x:1, env: [{name: A, valueFromPlatform: ReadOnlyConnection}]}]",
			"spec.appServices[0].env[0].valueFromPlatform", "db-ro.*no endpoints while replicas is 1"},
		{"  appServices: [{name: api, image: postgrest/postgrest}]", "spec.appServices[0].image", "has no tag"},
		{"  appServices: [{name: api, image: 'postgrest/postgrest:latest'}]", "spec.appServices[0].image", "tag latest"},
		{"  appServices: [{name: api, image: 'reg:5000/postgrest'}]", "spec.appServices[0].image", "has no tag"},
		{"  appServices: [{name: fdb, image: x:1, env: [{name: CERT, value: /tembo/certs/tls.crt}]}]",
			"spec.appServices[0].env[0].value", "/tembo/certs"},
		{"  appServices: [{name: api, image: x:1, env: [{name: U, valueFromPlatform: ReadWriteConnection}, {name: PGRST_DB_ANON_ROLE, value: postgres}]}]",
			"spec.appServices[0].env[1].value", "cannot switch to the superuser role postgres"},
		{"  appServices: [{name: api, image: x:1, storage: {volumes: [{name: h, hostPath: {path: /var}}]}}]",
			"spec.appServices[0].storage.volumes[0].hostPath", "restricted Pod Security Standard"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, warns := mustCompile(t, withApps("db", tt.spec+"\n"), compile.Options{})
			if !hasEntry(warns, tt.path, tt.msg) {
				t.Fatalf("want a warning at %s matching %q, got:\n%v", tt.path, tt.msg, warns)
			}
		})
	}
	// Pinned images, mounted certificates and a digest warn about nothing.
	_, warns := mustCompile(t, withApps("db", `  appServices:
    - name: fdb
      image: ghcr.io/ferretdb/ferretdb@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      env: [{name: CERT, value: /tembo/certs/tls.crt}]
      storage:
        volumes: [{name: certs, secret: {secretName: fdb-tls}}]
        volumeMounts: [{name: certs, mountPath: /tembo/certs}]
`), compile.Options{})
	if len(warns) > 0 {
		t.Errorf("unexpected warnings: %v", warns)
	}
}

func TestAppServiceStorage(t *testing.T) {
	objs, _ := mustCompile(t, withApps("db", `  appServices:
    - name: plain
      image: x:1
    - name: scratch
      image: x:1
      storage:
        volumes: [{name: s, emptyDir: {medium: Memory}}]
        volumeMounts: [{name: s, mountPath: /tmp/}]
`), compile.Options{})
	plain := findObj[*appsv1.Deployment](objs, "Deployment", "db-plain").Spec.Template.Spec
	if len(plain.Volumes) != 1 || plain.Volumes[0].EmptyDir == nil || plain.Containers[0].VolumeMounts[0].MountPath != "/tmp" {
		t.Errorf("an app without storage needs a writable /tmp: volumes %+v", plain.Volumes)
	}
	if plain.SecurityContext.FSGroup != nil {
		t.Error("fsGroup without volumes")
	}
	scratch := findObj[*appsv1.Deployment](objs, "Deployment", "db-scratch").Spec.Template.Spec
	if len(scratch.Volumes) != 1 || scratch.Volumes[0].Name != "s" {
		t.Errorf("the app's own /tmp mount replaces coredb's: volumes %+v", scratch.Volumes)
	}
	if scratch.SecurityContext.FSGroup == nil || *scratch.SecurityContext.FSGroup != 65534 {
		t.Error("an app with volumes needs fsGroup 65534 to write to them")
	}

	tests := []struct{ storage, path, msg string }{
		{"{volumes: [{name: a, emptyDir: {}}], volumeMounts: [{name: b, mountPath: /b}]}", "spec.appServices[0].storage.volumeMounts[0].name", `"b" is not a volume`},
		{"{volumes: [{name: tmp, emptyDir: {}}]}", "spec.appServices[0].storage.volumes[0].name", "reserved"},
		{"{volumes: [{name: a, emptyDir: {}}, {name: a, emptyDir: {}}]}", "spec.appServices[0].storage.volumes[1].name", "duplicate"},
		{"{volumes: [{name: a}]}", "spec.appServices[0].storage.volumes[0]", "no volume source"},
		{"{volumes: [{name: a, emptyDir: {}}], volumeMounts: [{name: a, mountPath: data}]}", "spec.appServices[0].storage.volumeMounts[0].mountPath", "absolute"},
		{"{volumes: [{name: a, emptyDir: {}}], volumeMounts: [{name: a, mountPath: /d}, {name: a, mountPath: /d/}]}", "spec.appServices[0].storage.volumeMounts[1].mountPath", "already mounted"},
	}
	for _, tt := range tests {
		t.Run(tt.storage, func(t *testing.T) {
			_, _, errs := compileDoc(t, withApps("db", "  appServices: [{name: api, image: x:1, storage: "+tt.storage+"}]\n"), compile.Options{})
			if !hasEntry(errs, tt.path, tt.msg) {
				t.Fatalf("want an error at %s matching %q, got:\n%v", tt.path, tt.msg, errs)
			}
		})
	}
}

func TestAppServicePortsAndProbes(t *testing.T) {
	objs, _ := mustCompile(t, withApps("db", `  appServices:
    - name: worker
      image: x:1
    - name: web
      image: x:1
      routing:
        - {port: 8080, ingressPath: /a}
        - {port: 8080, ingressPath: /b}
        - {port: 9000, ingressPath: /c, ingressType: tcp}
      metrics: {port: 9090}
      probes:
        readiness: {path: /ready, port: 8080, initialDelaySeconds: 3}
`), compile.Options{})
	if s := findObj[*corev1.Service](objs, "Service", "db-worker"); s != nil {
		t.Error("an app without ports has no Service (a ClusterIP Service needs a port)")
	}
	svc := findObj[*corev1.Service](objs, "Service", "db-web")
	dep := findObj[*appsv1.Deployment](objs, "Deployment", "db-web")
	c := dep.Spec.Template.Spec.Containers[0]
	named := map[string]int32{}
	for _, p := range c.Ports {
		named[p.Name] = p.ContainerPort
	}
	want := map[string]int32{"http-8080": 8080, "tcp-9000": 9000, "metrics": 9090}
	if fmt.Sprint(named) != fmt.Sprint(want) {
		t.Errorf("container ports %v, want %v", named, want)
	}
	for _, sp := range svc.Spec.Ports {
		if named[sp.TargetPort.StrVal] != sp.Port {
			t.Errorf("Service port %s targets %q, which is not container port %d", sp.Name, sp.TargetPort.String(), sp.Port)
		}
	}
	if len(svc.Spec.Ports) != 3 {
		t.Errorf("Service ports %+v: want one per distinct port", svc.Spec.Ports)
	}
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not select the app's pods", k, v)
		}
	}
	if len(dep.Spec.Selector.MatchLabels) != 1 || dep.Spec.Selector.MatchLabels["app.kubernetes.io/instance"] != "" {
		t.Errorf("the Deployment selector must be one stable label, got %v", dep.Spec.Selector.MatchLabels)
	}
	if a := dep.Spec.Template.Annotations; a["prometheus.io/port"] != "9090" || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("metrics annotations %v", a)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet.Path != "/ready" || p.HTTPGet.Port.IntVal != 8080 || p.InitialDelaySeconds != 3 || c.LivenessProbe != nil {
		t.Errorf("probes: readiness %+v liveness %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	if r := c.Resources; r.Limits.Cpu().String() != "400m" || r.Requests.Memory().String() != "256Mi" {
		t.Errorf("default resources %+v, want Tembo's 100m/256Mi requests and 400m/256Mi limits", r)
	}

	tests := []struct{ app, path, msg string }{
		{"{name: a, image: x:1, routing: [{port: 0, ingressPath: /}]}", "spec.appServices[0].routing[0].port", "1 to 65535"},
		{"{name: a, image: x:1, routing: [{port: 80, ingressPath: api}]}", "spec.appServices[0].routing[0].ingressPath", "absolute"},
		{"{name: a, image: x:1, routing: [{port: 80, ingressPath: /a//b}]}", "spec.appServices[0].routing[0].ingressPath", "must not contain"},
		{"{name: a, image: x:1, routing: [{port: 80, ingressPath: /, ingressType: udp}]}", "spec.appServices[0].routing[0].ingressType", "http or tcp"},
		{"{name: a, image: x:1, metrics: {port: 70000}}", "spec.appServices[0].metrics.port", "1 to 65535"},
		{"{name: a, image: x:1, metrics: {port: 80, path: metrics}}", "spec.appServices[0].metrics.path", "absolute"},
		{"{name: a, image: x:1, probes: {liveness: {path: alive, port: 80}}}", "spec.appServices[0].probes.liveness.path", "absolute"},
		{"{name: a, image: x:1, probes: {readiness: {path: /, port: 80, initialDelaySeconds: -1}}}", "spec.appServices[0].probes.readiness.initialDelaySeconds", "0 or more"},
		{"{name: a, image: x:1, resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}}", "spec.appServices[0].resources.requests[cpu]", "above the limit"},
		{"{name: a}", "spec.appServices[0].image", "required"},
		{"{name: a, image: x:1, middlewares: [{stripPrefix: {name: s, config: [/a]}, replacePathRegex: {name: r, config: {regex: a, replacement: b}}}]}", "spec.appServices[0].middlewares[0]", "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			_, _, errs := compileDoc(t, withApps("db", "  appServices: ["+tt.app+"]\n"), compile.Options{})
			if !hasEntry(errs, tt.path, tt.msg) {
				t.Fatalf("want an error at %s matching %q, got:\n%v", tt.path, tt.msg, errs)
			}
		})
	}
}

const routedApps = `  appServices:
    - name: rest
      image: x:1
      ingress: true
      routing:
        - {port: 3000, ingressPath: /rest/v1, middlewares: [strip]}
        - {port: 3000, ingressPath: /graphql/v1}
      middlewares:
        - stripPrefix: {name: strip, config: [/rest/v1]}
    - name: mongo
      image: y:1
      ingress: true
      routing: [{port: 27017, ingressPath: /m, ingressType: tcp}]
    - name: docs
      image: z:1
      ingress: true
      routing: [{port: 8080, ingressPath: /docs}]
    - name: internal
      image: i:1
      routing: [{port: 8080, ingressPath: /internal}]
    - name: worker
      image: w:1
`

func TestAppServiceIngress(t *testing.T) {
	// Without --ingress-class: no Ingress, and one warning for the CoreDB.
	objs, warns := mustCompile(t, withApps("db", routedApps), compile.Options{})
	if n := kindCount(objs, "Ingress"); n != 0 {
		t.Errorf("%d Ingresses without --ingress-class", n)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].Msg, "--ingress-class") {
		t.Errorf("want exactly one warning naming --ingress-class, got:\n%v", warns)
	}

	objs, warns = mustCompile(t, withApps("db", routedApps), compile.Options{IngressClass: "nginx", IngressHost: "{name}.apps.example.com"})
	if n := kindCount(objs, "Ingress"); n != 2 {
		t.Fatalf("%d Ingresses, want 2 (rest and docs; mongo has only a tcp route, worker none)", n)
	}
	for _, o := range objs {
		ing, ok := o.(*networkingv1.Ingress)
		if !ok {
			continue
		}
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
			t.Errorf("%s: class %v", ing.Name, ing.Spec.IngressClassName)
		}
		for _, rule := range ing.Spec.Rules {
			if rule.Host != "db.apps.example.com" {
				t.Errorf("%s: host %q, want {name} replaced by the CoreDB name", ing.Name, rule.Host)
			}
			for _, p := range rule.HTTP.Paths {
				// Every backend must be a Service of the output exposing the port.
				be := p.Backend.Service
				svc := findObj[*corev1.Service](objs, "Service", be.Name)
				if svc == nil {
					t.Errorf("%s %s: backend Service %s is not in the output", ing.Name, p.Path, be.Name)
					continue
				}
				found := false
				for _, sp := range svc.Spec.Ports {
					found = found || sp.Port == be.Port.Number
				}
				if !found {
					t.Errorf("%s %s: Service %s has no port %d", ing.Name, p.Path, be.Name, be.Port.Number)
				}
				if *p.PathType != networkingv1.PathTypePrefix {
					t.Errorf("%s %s: pathType %s", ing.Name, p.Path, *p.PathType)
				}
			}
		}
	}
	rest := findObj[*networkingv1.Ingress](objs, "Ingress", "db-rest")
	if rest == nil || len(rest.Spec.Rules) != 1 || len(rest.Spec.Rules[0].HTTP.Paths) != 2 {
		t.Fatalf("db-rest: want one rule with both paths, got %+v", rest)
	}
	if !hasEntry(warns, "spec.appServices[0].middlewares", "strip.*not applied") {
		t.Errorf("want a middleware warning for rest, got:\n%v", warns)
	}
	if !hasEntry(warns, "spec.appServices[1].routing[0].ingressType", "cannot be an Ingress") {
		t.Errorf("want a tcp route warning for mongo, got:\n%v", warns)
	}
	// The app without ingress: true is not published, and says so.
	if findObj[*networkingv1.Ingress](objs, "Ingress", "db-internal") != nil {
		t.Error("db-internal published without ingress: true")
	}
	if !hasEntry(warns, "spec.appServices", "not published by an Ingress: internal;") {
		t.Errorf("want a warning naming the unpublished app, got:\n%v", warns)
	}
	if len(warns) != 3 {
		t.Errorf("want exactly 3 warnings, got:\n%v", warns)
	}
	// TLS for the host, one certificate Secret per app; no cert-manager
	// annotation unless asked for.
	docs := findObj[*networkingv1.Ingress](objs, "Ingress", "db-docs")
	if len(docs.Spec.TLS) != 1 || docs.Spec.TLS[0].SecretName != "db-docs-tls" || !slices.Equal(docs.Spec.TLS[0].Hosts, []string{"db.apps.example.com"}) {
		t.Errorf("db-docs tls %+v, want host db.apps.example.com with Secret db-docs-tls", docs.Spec.TLS)
	}
	if len(docs.Annotations) != 0 {
		t.Errorf("db-docs annotations %v without --ingress-cluster-issuer", docs.Annotations)
	}
	objs, _ = mustCompile(t, withApps("db", routedApps), compile.Options{IngressClass: "nginx", IngressHost: "db.example.com", IngressClusterIssuer: "letsencrypt"})
	if a := findObj[*networkingv1.Ingress](objs, "Ingress", "db-docs").Annotations; a["cert-manager.io/cluster-issuer"] != "letsencrypt" {
		t.Errorf("annotations %v, want cert-manager.io/cluster-issuer: letsencrypt", a)
	}

	// Without a host the rule matches every host, and so does the certificate.
	objs, _ = mustCompile(t, withApps("db", routedApps), compile.Options{IngressClass: "nginx"})
	docs = findObj[*networkingv1.Ingress](objs, "Ingress", "db-docs")
	if h := docs.Spec.Rules[0].Host; h != "" || len(docs.Spec.TLS) != 1 || docs.Spec.TLS[0].Hosts != nil || docs.Spec.TLS[0].SecretName != "db-docs-tls" {
		t.Errorf("without --ingress-host: host %q, tls %+v", h, docs.Spec.TLS)
	}
	_, _, errs := compileDoc(t, withApps("db", routedApps), compile.Options{IngressClass: "nginx", IngressHost: "db.example.com", IngressClusterIssuer: "Lets Encrypt"})
	if len(errs) == 0 || !strings.Contains(errs[0].Msg, "--ingress-cluster-issuer") {
		t.Errorf("want an error about --ingress-cluster-issuer, got %v", errs)
	}
}

func TestAppServiceIngressConflictsAndFlags(t *testing.T) {
	objs, warns := mustCompile(t, withApps("db", `  appServices:
    - {name: a, image: x:1, ingress: true, routing: [{port: 80, ingressPath: /api}]}
    - {name: b, image: x:1, ingress: true, routing: [{port: 80, ingressPath: /api/}, {port: 80, ingressPath: /b}]}
`), compile.Options{IngressClass: "nginx", IngressHost: "db.example.com"})
	if !hasEntry(warns, "spec.appServices[1].routing[0].ingressPath", `spec.appServices\[0\].routing\[0\].ingressPath`) {
		t.Errorf("want a warning about the path routed twice, got:\n%v", warns)
	}
	if paths := findObj[*networkingv1.Ingress](objs, "Ingress", "db-b").Spec.Rules[0].HTTP.Paths; len(paths) != 1 || paths[0].Path != "/b" {
		t.Errorf("db-b paths %+v: the first route keeps a path routed twice", paths)
	}

	for _, opts := range []compile.Options{
		{IngressClass: "Nginx"},
		{IngressClass: "nginx", IngressHost: "https://db.example.com"},
		{IngressClass: "nginx", IngressHost: "db.example.com:443"},
		{IngressClass: "nginx", IngressHost: "{name}_x.example.com"},
	} {
		_, _, errs := compileDoc(t, withApps("db", "  appServices: [{name: a, image: x:1, routing: [{port: 80, ingressPath: /}]}]\n"), opts)
		if len(errs) == 0 || !strings.Contains(errs[0].Msg, "--ingress-") {
			t.Errorf("%+v: want an error about the flag, got %v", opts, errs)
		}
	}
	if _, _, errs := compileDoc(t, withApps("db", "  appServices: [{name: a, image: x:1, ingress: true, routing: [{port: 80, ingressPath: /}]}]\n"),
		compile.Options{IngressClass: "traefik", IngressHost: "*.db.example.com"}); len(errs) > 0 {
		t.Errorf("a wildcard host is valid: %v", errs)
	}
}

func TestAppServiceStop(t *testing.T) {
	for _, stop := range []bool{false, true} {
		objs, _ := mustCompile(t, withApps("db", fmt.Sprintf("  stop: %v\n%s", stop, routedApps)), compile.Options{})
		n := 0
		for _, o := range objs {
			d, ok := o.(*appsv1.Deployment)
			if !ok {
				continue
			}
			n++
			want := int32(1)
			if stop {
				want = 0
			}
			if d.Spec.Replicas == nil || *d.Spec.Replicas != want {
				t.Errorf("stop: %v: %s has replicas %v, want %d", stop, d.Name, d.Spec.Replicas, want)
			}
		}
		if n != 5 {
			t.Errorf("stop: %v: %d Deployments, want 5 (stopped apps keep their Deployment)", stop, n)
		}
	}
}
