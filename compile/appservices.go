package compile

import (
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/internal/charset"
	"github.com/coredb-dev/coredb/internal/lazyre"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// App services (tembo-operator.md §1 AppService, §5 "App services") are
// containers Tembo ran next to the database. Each becomes a Deployment
// `<name>-<app>` and, when it has ports, a ClusterIP Service of the same name;
// with Options.IngressClass, apps with HTTP routing also get a
// networking.k8s.io/v1 Ingress. Traefik objects are never emitted. See
// docs/app-services.md for every choice made here.

const (
	// appUID is the non-root user (nobody) app containers run as; Tembo's.
	appUID int64 = 65534
	// appSelectorLabel is the only label in app selectors. Selectors are
	// immutable, so it must never change; app.kubernetes.io/instance cannot
	// be used because Argo CD label tracking rewrites it (gitops.md §2.6).
	appSelectorLabel = "coredb.io/app"
	// appComponent is the app.kubernetes.io/component of app objects.
	appComponent = "app-service"
	// tmpVolume is the scratch emptyDir mounted at /tmp, so apps keep a
	// writable /tmp under a read-only root filesystem.
	tmpVolume = "tmp"
)

// Environment variables coredb adds to app containers. The three helpers
// carry the CNPG app Secret's fields so a read-only URI can be assembled by
// Kubernetes' $(VAR) expansion; they are only added when an env entry asks
// for a ReadOnlyConnection.
const (
	envNamespace  = "NAMESPACE"
	envROUser     = "COREDB_APP_USERNAME"
	envROPassword = "COREDB_APP_PASSWORD"
	envRODBName   = "COREDB_APP_DBNAME"
)

// valueFromPlatform values (Tembo's EnvVarRef).
const (
	readWriteConnection = "ReadWriteConnection"
	readOnlyConnection  = "ReadOnlyConnection"
)

// reservedAppNames would make `<name>-<app>` collide with a Service that
// CloudNativePG or coredb itself creates for the Cluster.
var reservedAppNames = map[string]string{
	"rw":           "CloudNativePG's read-write Service",
	"ro":           "CloudNativePG's read-only Service",
	"r":            "CloudNativePG's read Service",
	"any":          "CloudNativePG's any-instance Service",
	"pooler":       "the PgBouncer Pooler",
	"dedicated":    "the dedicated networking Service",
	"dedicated-ro": "the dedicated networking standby Service",
}

// envNameRE is the portable environment variable name rule (Kubernetes
// before 1.32 enforced it; later versions accept more, apps rarely do).
var envNameRE = lazyre.New(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)

// appDefaultResources are Tembo's defaults for an app without resources.
func appDefaultResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("400m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
}

// appServiceObjects builds the objects of every app service.
func (b *build) appServiceObjects(c *cnpgv1.Cluster) {
	apps := b.db.Spec.AppServices
	if len(apps) == 0 {
		return
	}
	ing := b.ingressSettings()
	seen := map[string]int{}
	var unrouted, unpublished []string // app paths with routing and no Ingress
	paths := map[string]string{}
	for i := range apps {
		a := &apps[i]
		p := sprintf("spec.appServices[%d]", i)
		ok := b.checkAppName(p, a.Name, seen, i)
		if ok && !b.appServesExtensions(p, a.Name) {
			continue
		}
		app := b.appParts(p, a)
		if !ok || app == nil {
			continue
		}
		full := b.db.Metadata.Name + "-" + a.Name
		b.add(b.appDeployment(c, full, a, app))
		if len(app.ports) > 0 {
			b.add(b.appService(full, app))
		}
		publish := a.Ingress != nil && *a.Ingress
		switch {
		case len(a.Routing) == 0:
			if publish {
				b.warnf(p+".ingress", "the app has no routing, so there is nothing to publish; add routing entries with the ports and paths to expose")
			}
			continue
		case ing == nil:
			unrouted = append(unrouted, p)
			continue
		case !publish:
			unpublished = append(unpublished, a.Name)
			continue
		}
		if ingress := b.appIngress(p, full, a, app, ing, paths); ingress != nil {
			b.add(ingress)
		}
	}
	if len(unrouted) > 0 {
		b.warnf(unrouted[0]+".routing", "app service routing is not exposed: coredb emits no Traefik routes, and an Ingress only with --ingress-class and ingress: true on the app; until then the apps are reachable inside the cluster at their Services (%s-<app>)", b.db.Metadata.Name)
	}
	if len(unpublished) > 0 {
		b.warnf("spec.appServices", "not published by an Ingress: %s; an app is published only when it says ingress: true (for a stack's app, add {name: <app>, ingress: true} to spec.appServices), so nothing is exposed outside the cluster by accident", strings.Join(unpublished, ", "))
	}
}

// appServesExtensions reports whether a stack app's extensions
// (StackDef.AppExtensions) are all rendered: enabled in some location and
// not dropped. Otherwise the app is left out with a warning: an embeddings
// server without vectorize only costs memory.
func (b *build) appServesExtensions(p, app string) bool {
	if b.stack == nil {
		return true
	}
	for _, ext := range b.stack.AppExtensions[app] {
		why := "is not enabled in any database"
		for i, e := range b.db.Spec.Extensions {
			if e.Name != ext {
				continue
			}
			if b.res != nil && b.res.skipExt[i] {
				why = "was left out (--drop-unavailable)"
				break
			}
			if slices.ContainsFunc(e.Locations, func(l ExtensionLocation) bool { return l.Enabled != nil && *l.Enabled }) {
				why = ""
			}
			break
		}
		if why != "" {
			b.warnf(p+".name", "left out app %s: it serves extension %s, which %s", app, ext, why)
			return false
		}
	}
	return true
}

// checkAppName validates an app name: a DNS-1123 label that, prefixed with
// the CoreDB name, is still a valid Service name and collides with nothing.
func (b *build) checkAppName(p, name string, seen map[string]int, i int) bool {
	path := p + ".name"
	switch {
	case name == "":
		b.errorf(path, "required: the Deployment and Service are named <coredb>-<name>")
		return false
	case len(name) > 63 || !charset.DNSLabel(name):
		b.errorf(path, "%q must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit", name)
		return false
	}
	if j, dup := seen[name]; dup {
		b.errorf(path, "duplicate app service name %q (also %s); each app needs its own name", name, b.originOf(sprintf("spec.appServices[%d].name", j)))
		return false
	}
	seen[name] = i
	if what, ok := reservedAppNames[name]; ok {
		b.errorf(path, "%q would name the app's Service %s-%s, which is %s; choose another name", name, b.db.Metadata.Name, name, what)
		return false
	}
	full := b.db.Metadata.Name + "-" + name
	if len(full) > 63 {
		b.errorf(path, "the app's objects would be named %q (%d characters); Kubernetes allows at most 63 for a Service name, so shorten the app name to at most %d characters",
			full, len(full), max(63-len(b.db.Metadata.Name)-1, 1))
		return false
	}
	return true
}

// appPort is one port an app listens on.
type appPort struct {
	number int32
	name   string
}

// appPlan is what the builders need of one validated app service.
type appPlan struct {
	env          []corev1.EnvVar
	resources    corev1.ResourceRequirements
	readiness    *corev1.Probe
	liveness     *corev1.Probe
	ports        []appPort // sorted by number
	metrics      *AppMetrics
	volumes      []corev1.Volume
	mounts       []corev1.VolumeMount
	hasStorage   bool
	httpRoutes   []int // indexes into routing of the http routes
	tcpRoutes    []int
	middlewares  []string // names of middlewares defined or referenced
	usesPlatform bool     // an env entry takes a connection URI
}

// appParts validates one app and prepares its pieces. It returns nil when
// the app has an error that makes its objects meaningless.
func (b *build) appParts(p string, a *AppService) *appPlan {
	out := &appPlan{}
	ok := true
	if strings.TrimSpace(a.Image) == "" {
		b.errorf(p+".image", "required: the container image to run")
		ok = false
	} else if strings.ContainsAny(a.Image, " \t\r\n") {
		b.errorf(p+".image", "%q contains whitespace; write an image reference such as postgrest/postgrest:v12.2.8", a.Image)
		ok = false
	} else if reproducible, tag := imageIsPinned(a.Image); !reproducible {
		what := "has no tag"
		if tag != "" {
			what = "uses the tag " + tag
		}
		b.warnf(p+".image", "%q %s, so what runs changes whenever the tag moves and renders are not reproducible; pin a version tag or a digest", a.Image, what)
	}
	out.resources = b.appResources(p+".resources", a.Resources)
	if b.hasErrorsUnder(p + ".resources") {
		ok = false
	}
	out.readiness = b.appProbe(p+".probes.readiness", a.Probes, func(pr *Probes) *Probe { return pr.Readiness })
	out.liveness = b.appProbe(p+".probes.liveness", a.Probes, func(pr *Probes) *Probe { return pr.Liveness })
	if !b.appRoutesAndPorts(p, a, out) {
		ok = false
	}
	if !b.appStorage(p+".storage", a.Storage, out) {
		ok = false
	}
	if !b.appEnv(p, a, out) {
		ok = false
	}
	b.checkMiddlewares(p, a, out)
	if b.hasErrorsUnder(p + ".probes") {
		ok = false
	}
	if !ok {
		return nil
	}
	return out
}

// originOf names a field for a message about another field: its path as
// written and its file and line, which differ from the merged spec's path
// when a stack provided it.
func (b *build) originOf(path string) string {
	o := b.db.src.at(path)
	if o.Line == 0 {
		return o.Path
	}
	return sprintf("%s at %s:%d", o.Path, o.File, o.Line)
}

// hasErrorsUnder reports whether an error was recorded at or below path.
func (b *build) hasErrorsUnder(path string) bool {
	return slices.ContainsFunc(b.errs, func(e *FieldError) bool { return !e.Warning && under(e.Path, path) })
}

// imageIsPinned reports whether an image names a fixed version: a digest,
// or a tag other than latest. It also returns the tag.
func imageIsPinned(img string) (bool, string) {
	ref, digest, _ := strings.Cut(img, "@")
	if digest != "" {
		return true, ""
	}
	slash, colon := strings.LastIndex(ref, "/"), strings.LastIndex(ref, ":")
	if colon <= slash {
		return false, ""
	}
	tag := ref[colon+1:]
	return tag != "latest", tag
}

// appResources is the container's resources: the app's requests and limits,
// or Tembo's defaults when the app sets none.
func (b *build) appResources(path string, r *corev1.ResourceRequirements) corev1.ResourceRequirements {
	if r == nil {
		return appDefaultResources()
	}
	if len(r.Claims) > 0 {
		b.errorf(path+".claims", "resource claims are not supported for app services (they need a pod-level ResourceClaim coredb does not emit); remove them")
	}
	for _, name := range slices.Sorted(maps.Keys(r.Requests)) {
		req := r.Requests[name]
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			b.errorf(sprintf("%s.requests[%s]", path, name), "the request %s is above the limit %s; Kubernetes rejects that, so raise the limit or lower the request", req.String(), lim.String())
		}
	}
	return corev1.ResourceRequirements{Requests: r.Requests, Limits: r.Limits}
}

// appProbe builds an HTTP GET probe.
func (b *build) appProbe(path string, probes *Probes, pick func(*Probes) *Probe) *corev1.Probe {
	if probes == nil {
		return nil
	}
	pr := pick(probes)
	if pr == nil {
		return nil
	}
	if !strings.HasPrefix(pr.Path, "/") {
		b.errorf(path+".path", "must be an absolute HTTP path starting with '/', got %q", pr.Path)
	}
	b.checkAppPort(path+".port", pr.Port)
	if pr.InitialDelaySeconds < 0 {
		b.errorf(path+".initialDelaySeconds", "must be 0 or more, got %d", pr.InitialDelaySeconds)
	}
	return &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: pr.Path, Port: intstr.FromInt32(pr.Port)}},
		InitialDelaySeconds: pr.InitialDelaySeconds,
	}
}

func (b *build) checkAppPort(path string, port int32) bool {
	if port < 1 || port > 65535 {
		b.errorf(path, "must be a port number from 1 to 65535, got %d", port)
		return false
	}
	return true
}

// appRoutesAndPorts validates routing and metrics and derives the app's
// ports: one per distinct port number, named metrics for the metrics port,
// else http-<port> or tcp-<port> after the routes using it.
func (b *build) appRoutesAndPorts(p string, a *AppService, out *appPlan) bool {
	ok := true
	kinds := map[int32]string{}
	for j, r := range a.Routing {
		rp := sprintf("%s.routing[%d]", p, j)
		if !b.checkAppPort(rp+".port", r.Port) {
			ok = false
			continue
		}
		switch r.IngressType {
		case "", "http":
			if msg := checkIngressPath(r.IngressPath); msg != "" {
				b.errorf(rp+".ingressPath", "%s", msg)
				ok = false
				continue
			}
			out.httpRoutes = append(out.httpRoutes, j)
			kinds[r.Port] = "http"
		case "tcp":
			out.tcpRoutes = append(out.tcpRoutes, j)
			if kinds[r.Port] == "" {
				kinds[r.Port] = "tcp"
			}
		default:
			b.errorf(rp+".ingressType", "must be http or tcp, got %q", r.IngressType)
			ok = false
		}
	}
	if m := a.Metrics; m != nil {
		mp := p + ".metrics"
		if b.checkAppPort(mp+".port", m.Port) {
			kinds[m.Port] = "metrics"
		} else {
			ok = false
		}
		path := m.Path
		if path == "" {
			path = "/metrics"
		} else if !strings.HasPrefix(path, "/") {
			b.errorf(mp+".path", "must be an absolute HTTP path starting with '/', got %q", path)
			ok = false
		}
		out.metrics = &AppMetrics{Port: m.Port, Path: path}
	}
	for _, n := range slices.Sorted(maps.Keys(kinds)) {
		name := "metrics"
		if k := kinds[n]; k != "metrics" {
			name = k + "-" + strconv.Itoa(int(n))
		}
		out.ports = append(out.ports, appPort{number: n, name: name})
	}
	return ok
}

// checkIngressPath applies the Ingress API's rules for a Prefix path.
func checkIngressPath(path string) string {
	if !strings.HasPrefix(path, "/") {
		return sprintf("must be an absolute path starting with '/', got %q", path)
	}
	for _, bad := range []string{"//", "/./", "/../", "%2f", "%2F"} {
		if strings.Contains(path, bad) {
			return sprintf("%q must not contain %q (the Ingress API rejects it)", path, bad)
		}
	}
	if strings.HasSuffix(path, "/..") || strings.HasSuffix(path, "/.") {
		return sprintf("%q must not end in /. or /.. (the Ingress API rejects it)", path)
	}
	if strings.ContainsAny(path, " \t\r\n") {
		return sprintf("%q must not contain whitespace", path)
	}
	return ""
}

// restrictedVolumeKinds are the volume types the restricted Pod Security
// Standard allows.
var restrictedVolumeKinds = []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}

// volumeKinds lists the volume source types set on a volume (json keys).
func volumeKinds(vs corev1.VolumeSource) []string {
	var out []string
	v := reflect.ValueOf(vs)
	t := v.Type()
	for i := range t.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

// appStorage validates the app's volumes and mounts and adds the /tmp
// scratch volume unless the app mounts something at /tmp itself.
func (b *build) appStorage(path string, st *AppStorage, out *appPlan) bool {
	ok := true
	names := map[string]int{}
	if st != nil {
		out.hasStorage = len(st.Volumes) > 0
		for i, v := range st.Volumes {
			vp := sprintf("%s.volumes[%d]", path, i)
			switch {
			case v.Name == "":
				b.errorf(vp+".name", "required")
				ok = false
				continue
			case len(v.Name) > 63 || !charset.DNSLabel(v.Name):
				b.errorf(vp+".name", "%q must be a DNS-1123 label: lowercase letters, digits and '-'", v.Name)
				ok = false
				continue
			case v.Name == tmpVolume:
				b.errorf(vp+".name", "%q is reserved for the scratch volume coredb mounts at /tmp; rename the volume", v.Name)
				ok = false
				continue
			}
			if j, dup := names[v.Name]; dup {
				b.errorf(vp+".name", "duplicate volume name %q (also volumes[%d])", v.Name, j)
				ok = false
				continue
			}
			names[v.Name] = i
			switch kinds := volumeKinds(v.VolumeSource); {
			case len(kinds) == 0:
				b.errorf(vp, "no volume source: set one of %s", strings.Join(restrictedVolumeKinds, ", "))
				ok = false
			case len(kinds) > 1:
				b.errorf(vp, "sets %s; a volume has exactly one source", strings.Join(kinds, " and "))
				ok = false
			case !slices.Contains(restrictedVolumeKinds, kinds[0]):
				b.warnf(vp+"."+kinds[0], "%s volumes are not allowed by the restricted Pod Security Standard; namespaces that enforce it reject the pod (allowed: %s)", kinds[0], strings.Join(restrictedVolumeKinds, ", "))
			}
		}
		mountPaths := map[string]int{}
		for i, m := range st.VolumeMounts {
			mp := sprintf("%s.volumeMounts[%d]", path, i)
			if _, found := names[m.Name]; !found {
				b.errorf(mp+".name", "%q is not a volume of this app; declare it under storage.volumes", m.Name)
				ok = false
			}
			clean := strings.TrimRight(m.MountPath, "/")
			if !strings.HasPrefix(m.MountPath, "/") || clean == "" {
				b.errorf(mp+".mountPath", "must be an absolute path other than /, got %q", m.MountPath)
				ok = false
				continue
			}
			if j, dup := mountPaths[clean]; dup {
				b.errorf(mp+".mountPath", "%q is already mounted by volumeMounts[%d]", m.MountPath, j)
				ok = false
				continue
			}
			mountPaths[clean] = i
		}
		out.volumes = slices.Clone(st.Volumes)
		out.mounts = slices.Clone(st.VolumeMounts)
	}
	if !slices.ContainsFunc(out.mounts, func(m corev1.VolumeMount) bool { return strings.TrimRight(m.MountPath, "/") == "/tmp" }) {
		out.volumes = append(out.volumes, corev1.Volume{Name: tmpVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		out.mounts = append(out.mounts, corev1.VolumeMount{Name: tmpVolume, MountPath: "/tmp"})
	}
	return ok
}

// appEnv maps the app's env to container env vars. NAMESPACE comes first
// (Tembo injects it; the user's own NAMESPACE wins), then the read-only
// helpers when needed, then the user's entries in order, so $(VAR)
// references in them can use everything before.
func (b *build) appEnv(p string, a *AppService, out *appPlan) bool {
	ok := true
	seen := map[string]int{}
	needRO := false
	userNamespace := false
	for i, e := range a.Env {
		ep := sprintf("%s.env[%d]", p, i)
		switch {
		case e.Name == "":
			b.errorf(ep+".name", "required")
			ok = false
		case !envNameRE.MatchString(e.Name):
			b.errorf(ep+".name", "%q is not a valid environment variable name: use letters, digits, '_', '-' or '.', not starting with a digit", e.Name)
			ok = false
		case e.Name == envROUser || e.Name == envROPassword || e.Name == envRODBName:
			b.errorf(ep+".name", "%q is reserved: coredb uses it to build ReadOnlyConnection URIs; rename the variable", e.Name)
			ok = false
		default:
			if j, dup := seen[e.Name]; dup {
				b.errorf(ep+".name", "duplicate environment variable %q (also env[%d]); Kubernetes would silently keep only the last", e.Name, j)
				ok = false
			}
			seen[e.Name] = i
			if e.Name == envNamespace {
				userNamespace = true
			}
		}
		set := 0
		for _, isSet := range []bool{e.Value != nil, e.ValueFromPlatform != "", e.ValueFrom != nil} {
			if isSet {
				set++
			}
		}
		switch {
		case set > 1:
			b.errorf(ep, "set one of value, valueFrom and valueFromPlatform, not several")
			ok = false
		case set == 0:
			b.errorf(ep, "needs value, valueFrom (a Secret or ConfigMap key) or valueFromPlatform (%s or %s)", readWriteConnection, readOnlyConnection)
			ok = false
		case e.ValueFrom != nil:
			if b.envSource(ep+".valueFrom", e.ValueFrom) == nil {
				ok = false
			}
		case e.ValueFromPlatform == readOnlyConnection:
			needRO = true
			out.usesPlatform = true
		case e.ValueFromPlatform == readWriteConnection:
			out.usesPlatform = true
		case e.ValueFromPlatform != "":
			b.errorf(ep+".valueFromPlatform", "must be %s or %s, got %q", readWriteConnection, readOnlyConnection, e.ValueFromPlatform)
			ok = false
		}
	}
	if !ok {
		return false
	}

	secret := b.db.Metadata.Name + "-app"
	ref := func(key string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}
	}
	if !userNamespace {
		out.env = append(out.env, corev1.EnvVar{Name: envNamespace, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}})
	}
	if needRO {
		out.env = append(out.env,
			corev1.EnvVar{Name: envROUser, ValueFrom: ref("username")},
			corev1.EnvVar{Name: envROPassword, ValueFrom: ref("password")},
			corev1.EnvVar{Name: envRODBName, ValueFrom: ref("dbname")},
		)
	}
	roURI := sprintf("postgresql://$(%s):$(%s)@%s-ro:5432/$(%s)", envROUser, envROPassword, b.db.Metadata.Name, envRODBName)
	for i, e := range a.Env {
		ep := sprintf("%s.env[%d]", p, i)
		switch e.ValueFromPlatform {
		case readWriteConnection:
			out.env = append(out.env, corev1.EnvVar{Name: e.Name, ValueFrom: ref("uri")})
		case readOnlyConnection:
			out.env = append(out.env, corev1.EnvVar{Name: e.Name, Value: roURI})
			if b.instances() < 2 {
				b.warnf(ep+".valueFromPlatform", "%s points at the Service %s-ro, which selects standby instances only and has no endpoints while replicas is %d; set replicas to 2 or more, or use %s",
					readOnlyConnection, b.db.Metadata.Name, b.instances(), readWriteConnection)
			}
		default:
			if e.ValueFrom != nil {
				out.env = append(out.env, corev1.EnvVar{Name: e.Name, ValueFrom: b.envSource(ep+".valueFrom", e.ValueFrom)})
				continue
			}
			out.env = append(out.env, corev1.EnvVar{Name: e.Name, Value: *e.Value})
			b.checkTemboEnv(ep+".value", e, out)
		}
	}
	return true
}

// configKeyRE is the rule for Secret and ConfigMap keys (Kubernetes'
// IsConfigMapKey).
var configKeyRE = lazyre.New(`^[-._a-zA-Z0-9]+$`)

// envSource checks a valueFrom and builds its Kubernetes form; nil when it
// is invalid (the error is recorded). Only Secret and ConfigMap keys are
// offered: they are what keeps credentials out of Git, and the other
// sources (pod fields, resources) have no use the apps coredb runs need.
func (b *build) envSource(path string, src *EnvVarSource) *corev1.EnvVarSource {
	check := func(p string, ref *KeyRef, kind string) bool {
		ok := true
		if ref.Name == "" || len(ref.Name) > 253 || !ingressHostRE.MatchString(ref.Name) || strings.HasPrefix(ref.Name, "*") {
			b.errorf(p+".name", "%q is not a valid %s name (lowercase letters, digits, '-' and '.')", ref.Name, kind)
			ok = false
		}
		if ref.Key == "" || len(ref.Key) > 253 || !configKeyRE.MatchString(ref.Key) || ref.Key == "." || ref.Key == ".." {
			b.errorf(p+".key", "%q is not a valid %s key (letters, digits, '-', '_' and '.')", ref.Key, kind)
			ok = false
		}
		return ok
	}
	switch {
	case (src.SecretKeyRef == nil) == (src.ConfigMapKeyRef == nil):
		b.errorf(path, "set exactly one of secretKeyRef and configMapKeyRef")
		return nil
	case src.SecretKeyRef != nil:
		r := src.SecretKeyRef
		if !check(path+".secretKeyRef", r, "Secret") {
			return nil
		}
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Key: r.Key, Optional: r.Optional}}
	default:
		r := src.ConfigMapKeyRef
		if !check(path+".configMapKeyRef", r, "ConfigMap") {
			return nil
		}
		return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Key: r.Key, Optional: r.Optional}}
	}
}

// checkTemboEnv warns about values that only worked on Tembo's platform.
func (b *build) checkTemboEnv(path string, e EnvVar, out *appPlan) {
	v := *e.Value
	if strings.HasPrefix(v, "/tembo/certs/") && !slices.ContainsFunc(out.mounts, func(m corev1.VolumeMount) bool {
		mp := strings.TrimRight(m.MountPath, "/")
		return mp != "" && strings.HasPrefix(v, mp+"/")
	}) {
		b.warnf(path, "%q is under /tembo/certs, where Tembo mounted its platform TLS certificate; coredb mounts nothing there, so the file will not exist: mount a kubernetes.io/tls Secret (e.g. from cert-manager) at /tembo/certs with storage.volumes and storage.volumeMounts, or drop the TLS settings", v)
	}
	if e.Name == "PGRST_DB_ANON_ROLE" && v == "postgres" && out.usesPlatform {
		b.warnf(path, "the platform connection logs in as the CloudNativePG application owner (the app user of the %s-app Secret), which cannot switch to the superuser role postgres, so every anonymous PostgREST request would fail; name a role granted to that user", b.db.Metadata.Name)
	}
}

// checkMiddlewares checks that every middleware has one kind and a unique
// name, and records the names used by the app.
func (b *build) checkMiddlewares(p string, a *AppService, out *appPlan) {
	seen := map[string]int{}
	for i, m := range a.Middlewares {
		mp := sprintf("%s.middlewares[%d]", p, i)
		var name string
		n := 0
		if m.CustomRequestHeaders != nil {
			n, name = n+1, m.CustomRequestHeaders.Name
		}
		if m.StripPrefix != nil {
			n, name = n+1, m.StripPrefix.Name
		}
		if m.ReplacePathRegex != nil {
			n, name = n+1, m.ReplacePathRegex.Name
		}
		if n != 1 {
			b.errorf(mp, "a middleware is exactly one of customRequestHeaders, stripPrefix or replacePathRegex; this one has %d", n)
			continue
		}
		if name == "" {
			b.errorf(mp, "the middleware needs a name")
			continue
		}
		if j, dup := seen[name]; dup {
			b.errorf(mp, "duplicate middleware name %q (also middlewares[%d])", name, j)
			continue
		}
		seen[name] = i
		out.middlewares = append(out.middlewares, name)
	}
	for _, r := range a.Routing {
		for _, name := range r.Middlewares {
			if !slices.Contains(out.middlewares, name) {
				out.middlewares = append(out.middlewares, name)
			}
		}
	}
}

// appLabels are the labels of an app's objects and pods: the recommended
// ones plus the selector label.
func (b *build) appMeta(full string) metav1.ObjectMeta {
	m := b.objectMeta(full, appComponent)
	m.Labels[appSelectorLabel] = full
	return m
}

// appDeployment builds the app's Deployment: one replica (none while the
// database is stopped), running as a fixed non-root user with a read-only
// root filesystem, no privilege escalation, no capabilities and the runtime's
// default seccomp profile (the restricted Pod Security Standard).
func (b *build) appDeployment(c *cnpgv1.Cluster, full string, a *AppService, app *appPlan) *appsv1.Deployment {
	meta := b.appMeta(full)
	podMeta := metav1.ObjectMeta{Labels: maps.Clone(meta.Labels)}
	if m := app.metrics; m != nil {
		podMeta.Annotations = map[string]string{
			"prometheus.io/scrape": "true",
			"prometheus.io/port":   strconv.Itoa(int(m.Port)),
			"prometheus.io/path":   m.Path,
		}
	}
	replicas := int32(1)
	if b.stopped() {
		replicas = 0
	}
	podSC := &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(appUID),
		RunAsGroup:     ptr(appUID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if app.hasStorage {
		// Lets the non-root user write to the volumes it mounts.
		podSC.FSGroup = ptr(appUID)
	}
	var ports []corev1.ContainerPort
	for _, p := range app.ports {
		ports = append(ports, corev1.ContainerPort{Name: p.name, ContainerPort: p.number, Protocol: corev1.ProtocolTCP})
	}
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{appSelectorLabel: full}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta,
				Spec: corev1.PodSpec{
					// Apps talk to Postgres, not to the Kubernetes API.
					AutomountServiceAccountToken: ptr(false),
					// Service links would add <SVC>_PORT variables that can
					// clash with the apps' own settings.
					EnableServiceLinks: ptr(false),
					SecurityContext:    podSC,
					Containers: []corev1.Container{{
						Name:           a.Name,
						Image:          a.Image,
						Command:        a.Command,
						Args:           a.Args,
						Env:            app.env,
						Ports:          ports,
						Resources:      app.resources,
						ReadinessProbe: app.readiness,
						LivenessProbe:  app.liveness,
						VolumeMounts:   app.mounts,
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
					Volumes: app.volumes,
				},
			},
		},
	}
	// The Cluster's node placement, with topology spread counting this
	// app's pods: the Deployment selects them by appSelectorLabel alone.
	placeLikeCluster(c, &d.Spec.Template.Spec, map[string]string{appSelectorLabel: full})
	return d
}

// appService builds the ClusterIP Service in front of the app's ports.
func (b *build) appService(full string, app *appPlan) *corev1.Service {
	var ports []corev1.ServicePort
	for _, p := range app.ports {
		ports = append(ports, corev1.ServicePort{Name: p.name, Port: p.number, TargetPort: intstr.FromString(p.name), Protocol: corev1.ProtocolTCP})
	}
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.appMeta(full),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{appSelectorLabel: full},
			Ports:    ports,
		},
	}
}

// ingressPlan holds the validated Ingress options.
type ingressPlan struct {
	class         string
	host          string // empty: the rule matches every host
	clusterIssuer string // cert-manager ClusterIssuer, "" for none
}

// ingressHostRE is a DNS-1123 subdomain, optionally with a leading wildcard label.
var ingressHostRE = lazyre.New(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// ingressSettings validates --ingress-class and --ingress-host for this
// CoreDB; nil means no Ingress is emitted. "{name}" in the host is replaced
// by the CoreDB name, so one flag gives every database its own host, as
// Tembo's <name>.<domain> did.
func (b *build) ingressSettings() *ingressPlan {
	class := b.opts.IngressClass
	if class == "" {
		return nil
	}
	if len(class) > 253 || !ingressHostRE.MatchString(class) || strings.HasPrefix(class, "*") {
		b.errorf("", "--ingress-class %q is not a valid IngressClass name (lowercase letters, digits, '-' and '.')", class)
		return nil
	}
	host := strings.ReplaceAll(b.opts.IngressHost, "{name}", b.db.Metadata.Name)
	if host != "" && (len(host) > 253 || !ingressHostRE.MatchString(host)) {
		b.errorf("", "--ingress-host gives %q for this CoreDB, which is not a valid host name (lowercase DNS name, optionally starting with *.; no port or scheme)", host)
		return nil
	}
	issuer := b.opts.IngressClusterIssuer
	if issuer != "" && (len(issuer) > 253 || !ingressHostRE.MatchString(issuer) || strings.HasPrefix(issuer, "*")) {
		b.errorf("", "--ingress-cluster-issuer %q is not a valid ClusterIssuer name (lowercase letters, digits, '-' and '.')", issuer)
		return nil
	}
	return &ingressPlan{class: class, host: host, clusterIssuer: issuer}
}

func hostList(h string) []string {
	if h == "" {
		return nil
	}
	return []string{h}
}

// appIngress builds the Ingress for an app's http routes and warns about what
// an Ingress cannot carry: tcp routes and Traefik middlewares.
func (b *build) appIngress(p, full string, a *AppService, app *appPlan, ing *ingressPlan, paths map[string]string) *networkingv1.Ingress {
	for _, j := range app.tcpRoutes {
		r := a.Routing[j]
		b.warnf(sprintf("%s.routing[%d].ingressType", p, j), "a tcp route cannot be an Ingress (HTTP only), so port %d is not exposed outside the cluster; it is reachable in the cluster at the Service %s, or expose it with a LoadBalancer Service or your ingress controller's TCP routing", r.Port, full)
	}
	if len(app.middlewares) > 0 && len(app.httpRoutes) > 0 {
		at := p + ".middlewares"
		if len(a.Middlewares) == 0 {
			at = p + ".routing"
		}
		b.warnf(at, "Traefik middlewares (%s) are not applied: the Ingress forwards requests with their paths and headers unchanged; add your controller's rewrite and header annotations to the Ingress %s (e.g. Traefik's router.middlewares, ingress-nginx's rewrite-target) or serve those paths in the app",
			strings.Join(app.middlewares, ", "), full)
	}
	if len(app.httpRoutes) == 0 {
		return nil
	}
	prefix := networkingv1.PathTypePrefix
	var hpaths []networkingv1.HTTPIngressPath
	for _, j := range app.httpRoutes {
		r := a.Routing[j]
		rp := sprintf("%s.routing[%d].ingressPath", p, j)
		key := strings.TrimRight(r.IngressPath, "/")
		if prev, dup := paths[key]; dup {
			// Two Ingresses with one host and path leave the choice to the
			// controller; keep the first route so the result is defined.
			b.warnf(rp, "the path %q is already routed by %s on the same host, which keeps it; give this route another ingressPath to expose it", r.IngressPath, b.originOf(prev))
			continue
		}
		paths[key] = rp
		hpaths = append(hpaths, networkingv1.HTTPIngressPath{
			Path:     r.IngressPath,
			PathType: &prefix,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: full,
				Port: networkingv1.ServiceBackendPort{Number: r.Port},
			}},
		})
	}
	if len(hpaths) == 0 {
		return nil
	}
	meta := b.appMeta(full)
	if ing.clusterIssuer != "" {
		// cert-manager's ingress-shim creates the certificate Secret named
		// in tls from this annotation (cert-manager.io/docs/usage/ingress).
		meta.Annotations = map[string]string{"cert-manager.io/cluster-issuer": ing.clusterIssuer}
	}
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr(ing.class),
			// One certificate Secret per app: cert-manager makes one
			// Certificate per Ingress, and two Certificates writing one
			// Secret would fight over it.
			// Without --ingress-host the rule matches every host, and the
			// tls entry names no host: the controller serves the
			// certificate for whatever host the client asks for.
			TLS: []networkingv1.IngressTLS{{Hosts: hostList(ing.host), SecretName: full + "-tls"}},
			Rules: []networkingv1.IngressRule{{
				Host:             ing.host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: hpaths}},
			}},
		},
	}
}
