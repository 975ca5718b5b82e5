package compile

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/stacks"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Schema returns a JSON Schema (draft-07, the newest draft yaml-language-server
// and VS Code fully support) of the CoreDB format, for editors:
//
//	# yaml-language-server: $schema=./coredb.schema.json
//
// It is generated from the Go types Load decodes into, walked the way the
// decoder walks them (fieldsOf: yaml tags, else json tags, inline structs), so
// the schema and the decoder cannot disagree about which keys exist: every
// object has additionalProperties false, as Load rejects unknown fields.
// Descriptions, enums and required fields come from the tables below.
//
// What the schema does not say: Load takes any scalar as a string's literal
// text (`value: 0.05` is the string "0.05"), so string fields accept numbers
// and booleans too; null means "not set" to Load but is not offered here.
//
// A document of kind ImageSet (declared images, imageset.go) is checked
// against its own schema: draft-07's if/then/else on kind.
func Schema() ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}}
	coredb := g.typeSchema(reflect.TypeFor[CoreDB]())
	imageSet := g.typeSchema(reflect.TypeFor[ImageSet]())
	root := map[string]any{
		"$schema":     "http://json-schema.org/draft-07/schema#",
		"title":       "CoreDB",
		"description": "A Tembo-style CoreDB, compiled by coredb into CloudNativePG manifests (coredb render); or an ImageSet declaring images for them.",
		"if":          map[string]any{"properties": map[string]any{"kind": map[string]any{"const": kindImageSet}}, "required": []any{"kind"}},
		"then":        imageSet,
		"else":        coredb,
		"definitions": g.defs,
	}
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// schemaDoc describes CoreDB's own fields, keyed "GoType.key". Kubernetes and
// CloudNativePG types embedded in the spec (resources, affinity, volumes) are
// documented by their projects and carry no description here.
var schemaDoc = map[string]string{
	"CoreDB.apiVersion": "Must be coredb.io/v1alpha1.",
	"CoreDB.kind":       "Must be CoreDB.",
	"CoreDB.metadata":   "Name, namespace, labels and annotations of the database.",
	"CoreDB.spec":       "The database: size, image, stack, extensions, settings, backup, app services.",

	"Metadata.name":        "The Cluster name and the prefix of every generated object: a DNS-1035 label of at most 50 characters.",
	"Metadata.namespace":   "Namespace of every generated object; defaults to coredb render --namespace, else none (the applier decides).",
	"Metadata.labels":      "Copied to generated objects; coredb's app.kubernetes.io labels win on conflict.",
	"Metadata.annotations": "Copied to the Cluster.",

	"Spec.replicas":                  "Postgres instances (CNPG Cluster spec.instances); default 1.",
	"Spec.resources":                 "CPU and memory of each instance; default requests = limits = 2 CPU, 2Gi.",
	"Spec.storage":                   "Volume size of each instance, a Kubernetes quantity such as 50Gi; default 8Gi.",
	"Spec.sharedirStorage":           "Ignored (Tembo ignores it too).",
	"Spec.pkglibdirStorage":          "Ignored (Tembo ignores it too).",
	"Spec.postgresExporterEnabled":   "Ignored (Tembo ignores it too).",
	"Spec.image":                     "Postgres image; the tag must start with the Postgres major version (e.g. quay.io/tembo/standard-cnpg:16-bffd097).",
	"Spec.postgresExporterImage":     "Ignored (Tembo ignores it too).",
	"Spec.dedicatedNetworking":       "A dedicated Service for the database.",
	"Spec.port":                      "Postgres port.",
	"Spec.uid":                       "Ignored (Tembo ignores it too).",
	"Spec.extensions":                "Extensions to enable (CREATE EXTENSION) or disable per database.",
	"Spec.trunk_installs":            "Trunk packages to install into every instance.",
	"Spec.stop":                      "true hibernates the Cluster (cnpg.io/hibernation: on); data is kept.",
	"Spec.serviceAccountTemplate":    "Labels and annotations for the Cluster's service account.",
	"Spec.backup":                    "Continuous backup to object storage.",
	"Spec.metrics":                   "Custom Prometheus queries for the exporter.",
	"Spec.extra_domains_rw":          "Extra host names routed to the primary.",
	"Spec.ipAllowList":               "CIDRs allowed to connect.",
	"Spec.disableIngress":            "true emits no ingress for the database.",
	"Spec.stack":                     "A Tembo Stack: images, extensions, Trunk installs and settings for a workload.",
	"Spec.runtime_config":            "Postgres settings, applied over the stack's and the computed ones.",
	"Spec.override_configs":          "Postgres settings that win over everything else.",
	"Spec.connectionPooler":          "A PgBouncer Pooler in front of the primary.",
	"Spec.appServices":               "Containers run next to the database (Deployments and Services).",
	"Spec.restore":                   "Bootstrap the database from a backup.",
	"Spec.storageClass":              "StorageClass of the instance volumes; default: the cluster's default class.",
	"Spec.affinityConfiguration":     "CloudNativePG affinity configuration of the instances.",
	"Spec.topologySpreadConstraints": "Topology spread constraints of the instances.",
	"Spec.superuserAccess":           "Turn on CloudNativePG's superuser access (a <name>-superuser Secret): coredb's SQL Job needs it for extensions in database postgres. Never turned on by coredb itself; not a Tembo field.",

	"StackRef.name":            "Stack name, case-insensitive: Analytics, Geospatial, MachineLearning, MessageQueue, MongoAlternative, OLTP, ParadeDB, Standard, Timeseries, VectorDB.",
	"StackRef.postgres_config": "Settings added on top of the stack's own.",

	"PgConfig.name":  "Postgres parameter name.",
	"PgConfig.value": "Parameter value, taken as the literal text written (on, 0.05, 16MB); write \"\" for an empty value.",

	"Extension.name":        "Extension name as in CREATE EXTENSION.",
	"Extension.description": "Free text.",
	"Extension.locations":   "Databases the extension is enabled or disabled in.",

	"ExtensionLocation.enabled":  "true creates the extension, false drops it.",
	"ExtensionLocation.database": "Database name; default postgres.",
	"ExtensionLocation.version":  "Extension version; default the package's.",
	"ExtensionLocation.schema":   "Schema to create the extension in.",

	"TrunkInstall.name":    "Trunk package name.",
	"TrunkInstall.version": "Trunk package version.",

	"DedicatedNetworking.enabled":        "Create the dedicated Service.",
	"DedicatedNetworking.includeStandby": "Also a Service for the standbys.",
	"DedicatedNetworking.public":         "Expose the Service publicly.",
	"DedicatedNetworking.serviceType":    "Kubernetes Service type; default LoadBalancer.",

	"Backup.destinationPath":   "Object store URL, e.g. s3://bucket/path.",
	"Backup.encryption":        "Server-side encryption, e.g. AES256.",
	"Backup.retentionPolicy":   "Retention in days.",
	"Backup.schedule":          "Cron schedule of base backups (six fields, seconds first, as CloudNativePG's ScheduledBackup).",
	"Backup.endpointURL":       "Object store endpoint for S3-compatible stores.",
	"Backup.s3Credentials":     "S3 credentials as Secret references.",
	"Backup.googleCredentials": "Google Cloud Storage credentials.",
	"Backup.azureCredentials":  "Azure Blob Storage credentials.",
	"Backup.volumeSnapshot":    "Volume snapshot backups.",
	"Backup.method":            "barmanObjectStore (in-tree, default) or plugin (Barman Cloud plugin); not a Tembo field.",

	"SecretKeyRef.name": "Secret name.",
	"SecretKeyRef.key":  "Key in the Secret.",

	"Restore.serverName":         "Name of the server whose backups to restore.",
	"Restore.backupsPath":        "Object store URL of the backups.",
	"Restore.recoveryTargetTime": "Point in time to recover to (RFC 3339).",
	"Restore.endpointURL":        "Object store endpoint for S3-compatible stores.",
	"Restore.volumeSnapshot":     "Ignored (Tembo ignores it too).",

	"Metrics.image":   "Ignored (Tembo ignores it too).",
	"Metrics.enabled": "Ignored (Tembo ignores it too).",
	"Metrics.queries": "Custom queries in the postgres_exporter format.",

	"ConnectionPooler.enabled":   "Create the Pooler.",
	"ConnectionPooler.pooler":    "PgBouncer settings.",
	"ConnectionPooler.instances": "PgBouncer pods (default 2 when the Cluster has standbys, else 1); not a Tembo field.",
	"PgBouncer.poolMode":         "PgBouncer pool mode.",
	"PgBouncer.parameters":       "PgBouncer parameters.",
	"PgBouncer.resources":        "Resources of the PgBouncer pods.",

	"AppService.name":    "Name of the app; its objects are named <coredb>-<name>.",
	"AppService.image":   "Container image.",
	"AppService.env":     "Environment variables.",
	"AppService.routing": "Ports exposed on ingress paths.",
	"AppService.storage": "Volumes and mounts.",
	"AppService.ingress": "Publish the app's http routes with an Ingress (needs --ingress-class and --ingress-host); default false. A CoreDB entry with only name and ingress turns it on for a stack's app.",

	"EnvVar.name":                  "Variable name.",
	"EnvVar.value":                 "Literal value.",
	"EnvVar.valueFromPlatform":     "A connection URI of the database instead of a value.",
	"EnvVar.valueFrom":             "A key of a Secret or ConfigMap in the CoreDB's namespace instead of a value.",
	"EnvVarSource.secretKeyRef":    "A key of a Secret.",
	"EnvVarSource.configMapKeyRef": "A key of a ConfigMap.",
	"KeyRef.name":                  "Name of the Secret or ConfigMap.",
	"KeyRef.key":                   "The key.",
	"KeyRef.optional":              "Start the app even when the Secret, ConfigMap or key is missing; default false.",

	"Routing.ingressType": "http or tcp; default http.",

	"ImageSet.apiVersion":                      "Must be coredb.io/v1alpha1.",
	"ImageSet.kind":                            "Must be ImageSet.",
	"ImageSet.metadata":                        "A name for this set of declared images.",
	"ImageSet.spec":                            "Images coredb cannot know by itself, and what they ship; they apply to every CoreDB of the render.",
	"ImageSetSpec.images":                      "Postgres images a CoreDB's spec.image may name, and what each ships.",
	"ImageSetSpec.extensionImages":             "Image-volume extensions (CloudNativePG 1.27+, Postgres 18+).",
	"DeclaredImage.image":                      "The image reference spec.image names, or its repository (no tag) for every tag.",
	"DeclaredImage.contrib":                    "The image has PostgreSQL's contrib modules; default true.",
	"DeclaredImage.extensions":                 "SQL extension names the image ships besides contrib.",
	"DeclaredImage.libraries":                  "Preloadable libraries it ships besides contrib and its extensions' own.",
	"DeclaredImage.barmanCloud":                "The image has barman-cloud (in-tree Barman Cloud backups).",
	"DeclaredImage.versions":                   "Extension versions it ships, where known: Database objects pin them, so a new build reaches ALTER EXTENSION ... UPDATE TO.",
	"DeclaredExtension.versions":               "Extension versions it holds, where known: Database objects pin them.",
	"DeclaredImage.description":                "Free text.",
	"DeclaredExtension.name":                   "Volume name: mounted at /extensions/<name>; lower-case letters, digits and '-'.",
	"DeclaredExtension.image":                  "Extension image reference; pin it by digest.",
	"DeclaredExtension.major":                  "The Postgres major it was built for (18 or newer).",
	"DeclaredExtension.extensions":             "SQL extension names it holds.",
	"DeclaredExtension.libraries":              "Preloadable libraries it holds besides its extensions' own.",
	"DeclaredExtension.extension_control_path": "Directories in the image with control files; default share.",
	"DeclaredExtension.dynamic_library_path":   "Directories in the image with libraries; default lib.",
	"DeclaredExtension.ld_library_path":        "Directories in the image added to LD_LIBRARY_PATH.",
	"DeclaredExtension.description":            "Free text.",
}

// schemaEnum lists the values a field accepts where the set is closed. Open
// sets (stack names, accepted case-insensitively) are offered as examples.
var schemaEnum = map[string][]any{
	"CoreDB.apiVersion":        {apiVersion},
	"CoreDB.kind":              {kindCoreDB},
	"ImageSet.apiVersion":      {apiVersion},
	"ImageSet.kind":            {kindImageSet},
	"Backup.method":            {"barmanObjectStore", "plugin"},
	"PgBouncer.poolMode":       {"session", "transaction"}, // Tembo's CRD enum
	"EnvVar.valueFromPlatform": {"ReadOnlyConnection", "ReadWriteConnection"},
	"Routing.ingressType":      {"http", "tcp"},
}

// schemaRequired lists the fields without which Compile fails, keyed by Go
// type (every use of the type) or by "GoType.key" (that field only: Metadata
// is also serviceAccountTemplate.metadata, where name means nothing).
var schemaRequired = map[string][]string{
	"CoreDB":            {"apiVersion", "kind", "metadata"},
	"CoreDB.metadata":   {"name"},
	"ImageSet":          {"apiVersion", "kind", "metadata", "spec"},
	"ImageSet.metadata": {"name"},
	"DeclaredImage":     {"image"},
	"DeclaredExtension": {"name", "image", "major"},
	"PgConfig":          {"name", "value"},
}

// quantityPattern is the syntax of a resource.Quantity, as published in
// Kubernetes' own OpenAPI description of the type. It applies to strings only;
// a YAML number such as 2 is a valid quantity too.
const quantityPattern = `^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`

// scalarTypes are what Load accepts for a Go string: any scalar, as its text.
var scalarTypes = []any{"string", "number", "boolean"}

type schemaGen struct {
	defs map[string]any // definition name -> schema
}

var compilePkg = reflect.TypeFor[CoreDB]().PkgPath()

// typeSchema is the schema of a Go type as the decoder reads it.
func (g *schemaGen) typeSchema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[resource.Quantity]():
		return map[string]any{"type": []any{"string", "number"}, "pattern": quantityPattern, "description": "A Kubernetes quantity: 10Gi, 512Mi, 500m, 2."}
	case reflect.TypeFor[intstr.IntOrString]():
		return map[string]any{"type": []any{"string", "integer"}}
	case reflect.TypeFor[metav1.Time]():
		return map[string]any{"type": "string"}
	}
	if t.PkgPath() != compilePkg && reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return map[string]any{} // parses itself; anything may be valid
	}
	switch t.Kind() {
	case reflect.Struct:
		name := defName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // reserve: recursive types refer to themselves
			g.defs[name] = g.structSchema(t)
		}
		return map[string]any{"$ref": "#/definitions/" + name}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.typeSchema(t.Elem())}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.typeSchema(t.Elem())}
	case reflect.String:
		return map[string]any{"type": scalarTypes}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{} // interface: any value
}

// structSchema lists a struct's keys; unknown keys are rejected, as by Load.
func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	for _, f := range fieldsOf(t) {
		s := g.typeSchema(t.FieldByIndex(f.index).Type)
		key := t.Name() + "." + f.key
		if t.PkgPath() == compilePkg {
			if d, ok := schemaDoc[key]; ok {
				s = withKey(s, "description", d)
			}
			if e, ok := schemaEnum[key]; ok {
				s = withKey(s, "enum", e)
			}
			if r, ok := schemaRequired[key]; ok {
				s = withKey(s, "required", toAny(r))
			}
			if key == "StackRef.name" {
				s = withKey(s, "examples", toAny(stacks.Names()))
			}
		}
		props[f.key] = s
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if t.PkgPath() == compilePkg {
		if r := schemaRequired[t.Name()]; len(r) > 0 {
			s["required"] = toAny(r)
		}
	}
	return s
}

// withKey adds a keyword to a schema. A $ref cannot carry siblings in
// draft-07 (they are ignored), so the reference is wrapped in allOf.
func withKey(s map[string]any, k string, v any) map[string]any {
	if _, ok := s["$ref"]; ok {
		s = map[string]any{"allOf": []any{s}}
	}
	s[k] = v
	return s
}

// defName names a definition the way Kubernetes OpenAPI does for foreign
// types (io.k8s.api.core.v1.Volume) and by its plain name for CoreDB's own.
func defName(t reflect.Type) string {
	if t.PkgPath() == compilePkg {
		return t.Name()
	}
	host, rest, _ := strings.Cut(t.PkgPath(), "/")
	parts := strings.Split(host, ".")
	slices.Reverse(parts)
	return strings.Join(parts, ".") + "." + strings.ReplaceAll(rest, "/", ".") + "." + t.Name()
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
