package compile

import (
	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The CoreDB format, with Tembo's exact keys (tembo-operator.md §1): snake_case
// where Tembo has it (trunk_installs, runtime_config, ...), camelCase elsewhere.
// Optional scalars are pointers so "not set" and "set to the zero value" differ;
// merging stack defaults depends on that. Kubernetes-typed fields reuse the
// k8s/CNPG Go types so users write what they already know.

// CoreDB is one decoded CoreDB manifest and where it came from.
type CoreDB struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   Metadata `yaml:"metadata"`
	Spec       Spec     `yaml:"spec"`

	src source
}

// Metadata is the part of ObjectMeta a CoreDB may carry.
type Metadata struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Spec is CoreDBSpec.
type Spec struct {
	Replicas                *int32                        `yaml:"replicas"`
	Resources               *corev1.ResourceRequirements  `yaml:"resources"`
	Storage                 *resource.Quantity            `yaml:"storage"`
	SharedirStorage         *resource.Quantity            `yaml:"sharedirStorage" coredb:"ignored"`
	PkglibdirStorage        *resource.Quantity            `yaml:"pkglibdirStorage" coredb:"ignored"`
	PostgresExporterEnabled *bool                         `yaml:"postgresExporterEnabled" coredb:"ignored"`
	Image                   string                        `yaml:"image"`
	PostgresExporterImage   string                        `yaml:"postgresExporterImage" coredb:"ignored"`
	DedicatedNetworking     *DedicatedNetworking          `yaml:"dedicatedNetworking"`
	Port                    *int32                        `yaml:"port"`
	UID                     *int32                        `yaml:"uid" coredb:"ignored"`
	Extensions              []Extension                   `yaml:"extensions"`
	TrunkInstalls           []TrunkInstall                `yaml:"trunk_installs"`
	Stop                    *bool                         `yaml:"stop"`
	ServiceAccountTemplate  *ServiceAccountTemplate       `yaml:"serviceAccountTemplate"`
	Backup                  *Backup                       `yaml:"backup"`
	Metrics                 *Metrics                      `yaml:"metrics"`
	ExtraDomainsRW          []string                      `yaml:"extra_domains_rw"`
	IPAllowList             []string                      `yaml:"ipAllowList"`
	DisableIngress          *bool                         `yaml:"disableIngress"`
	Stack                   *StackRef                     `yaml:"stack"`
	RuntimeConfig           []PgConfig                    `yaml:"runtime_config"`
	OverrideConfigs         []PgConfig                    `yaml:"override_configs"`
	ConnectionPooler        *ConnectionPooler             `yaml:"connectionPooler"`
	AppServices             []AppService                  `yaml:"appServices"`
	Restore                 *Restore                      `yaml:"restore"`
	StorageClass            string                        `yaml:"storageClass"`
	AffinityConfiguration   *cnpgv1.AffinityConfiguration `yaml:"affinityConfiguration"`
	// SuperuserAccess turns on CloudNativePG's superuser access
	// (enableSuperuserAccess), which coredb's SQL Job needs for database
	// postgres. Not a Tembo field: coredb never turns it on by itself.
	SuperuserAccess           *bool                             `yaml:"superuserAccess"`
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `yaml:"topologySpreadConstraints"`
}

// StackRef names a Stack and adds Postgres settings on top of its own.
type StackRef struct {
	Name           string     `yaml:"name"`
	PostgresConfig []PgConfig `yaml:"postgres_config"`
}

// PgConfig is one Postgres parameter. Value keeps the literal text the user
// wrote: `on`, `0.05`, `-1`, `1000`, quoted or not.
type PgConfig struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// Extension is an extension to enable or disable per database.
type Extension struct {
	Name        string              `yaml:"name"`
	Description string              `yaml:"description"`
	Locations   []ExtensionLocation `yaml:"locations"`
}

// ExtensionLocation is one database an extension is (or is not) enabled in.
type ExtensionLocation struct {
	Enabled  *bool  `yaml:"enabled"`
	Database string `yaml:"database"` // default postgres
	Version  string `yaml:"version"`
	Schema   string `yaml:"schema"`
}

// TrunkInstall is a Trunk package to install into every instance.
type TrunkInstall struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
}

// ServiceAccountTemplate carries labels and annotations for the Cluster's
// service account.
type ServiceAccountTemplate struct {
	Metadata *Metadata `yaml:"metadata"`
}

// DedicatedNetworking asks for a dedicated Service for the database.
type DedicatedNetworking struct {
	Enabled        *bool  `yaml:"enabled"`
	IncludeStandby *bool  `yaml:"includeStandby"`
	Public         *bool  `yaml:"public"`
	ServiceType    string `yaml:"serviceType"`
}

// Backup configures continuous backup.
type Backup struct {
	DestinationPath   string             `yaml:"destinationPath"`
	Encryption        *string            `yaml:"encryption"`
	RetentionPolicy   string             `yaml:"retentionPolicy"`
	Schedule          string             `yaml:"schedule"`
	EndpointURL       string             `yaml:"endpointURL"`
	S3Credentials     *S3Credentials     `yaml:"s3Credentials"`
	GoogleCredentials *GoogleCredentials `yaml:"googleCredentials"`
	AzureCredentials  *AzureCredentials  `yaml:"azureCredentials"`
	VolumeSnapshot    *VolumeSnapshot    `yaml:"volumeSnapshot"`
	// Method selects how CNPG archives: barmanObjectStore (in-tree, the
	// default) or plugin (Barman Cloud plugin). Not a Tembo field.
	Method string `yaml:"method"`
}

// SecretKeyRef points at one key of a Secret.
type SecretKeyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

// S3Credentials are Tembo's S3 credential references.
type S3Credentials struct {
	AccessKeyID        *SecretKeyRef `yaml:"accessKeyId"`
	SecretAccessKey    *SecretKeyRef `yaml:"secretAccessKey"`
	Region             *SecretKeyRef `yaml:"region"`
	SessionToken       *SecretKeyRef `yaml:"sessionToken"`
	InheritFromIAMRole *bool         `yaml:"inheritFromIAMRole"`
}

// GoogleCredentials are Google Cloud Storage credentials.
type GoogleCredentials struct {
	ApplicationCredentials *SecretKeyRef `yaml:"applicationCredentials"`
	GKEEnvironment         *bool         `yaml:"gkeEnvironment"`
}

// AzureCredentials are Azure Blob Storage credentials (not a Tembo field;
// accepted because CNPG supports them).
type AzureCredentials struct {
	ConnectionString   *SecretKeyRef `yaml:"connectionString"`
	StorageAccount     *SecretKeyRef `yaml:"storageAccount"`
	StorageKey         *SecretKeyRef `yaml:"storageKey"`
	StorageSasToken    *SecretKeyRef `yaml:"storageSasToken"`
	InheritFromAzureAD *bool         `yaml:"inheritFromAzureAD"`
}

// VolumeSnapshot turns on volume snapshot backups.
type VolumeSnapshot struct {
	Enabled       *bool  `yaml:"enabled"`
	SnapshotClass string `yaml:"snapshotClass"`
}

// Restore bootstraps the database from a backup.
type Restore struct {
	ServerName         string             `yaml:"serverName"`
	BackupsPath        string             `yaml:"backupsPath"`
	RecoveryTargetTime string             `yaml:"recoveryTargetTime"`
	EndpointURL        string             `yaml:"endpointURL"`
	S3Credentials      *S3Credentials     `yaml:"s3Credentials"`
	GoogleCredentials  *GoogleCredentials `yaml:"googleCredentials"`
	AzureCredentials   *AzureCredentials  `yaml:"azureCredentials"`
	VolumeSnapshot     *bool              `yaml:"volumeSnapshot" coredb:"ignored"`
}

// Metrics holds custom exporter queries. Only queries is acted on, as in Tembo.
type Metrics struct {
	Image   string         `yaml:"image" coredb:"ignored"`
	Enabled *bool          `yaml:"enabled" coredb:"ignored"`
	Queries map[string]any `yaml:"queries"`
}

// ConnectionPooler asks for a PgBouncer Pooler.
type ConnectionPooler struct {
	Enabled *bool      `yaml:"enabled"`
	Pooler  *PgBouncer `yaml:"pooler"`
	// Instances is the number of PgBouncer pods. Not a Tembo field (Tembo
	// always ran one): the default follows the Cluster (poolerInstances).
	Instances *int32 `yaml:"instances"`
}

// PgBouncer configures the pooler.
type PgBouncer struct {
	PoolMode   string                       `yaml:"poolMode"`
	Parameters map[string]string            `yaml:"parameters"`
	Resources  *corev1.ResourceRequirements `yaml:"resources"`
}

// AppService is a container Tembo runs next to the database.
type AppService struct {
	Name        string                       `yaml:"name"`
	Image       string                       `yaml:"image"`
	Args        []string                     `yaml:"args"`
	Command     []string                     `yaml:"command"`
	Env         []EnvVar                     `yaml:"env"`
	Resources   *corev1.ResourceRequirements `yaml:"resources"`
	Probes      *Probes                      `yaml:"probes"`
	Metrics     *AppMetrics                  `yaml:"metrics"`
	Middlewares []Middleware                 `yaml:"middlewares"`
	Routing     []Routing                    `yaml:"routing"`
	Storage     *AppStorage                  `yaml:"storage"`
	// Ingress publishes the app's http routes with an Ingress (coredb's
	// field, not Tembo's): with --ingress-class, only apps that say
	// ingress: true get one, so nothing is exposed by accident.
	Ingress *bool `yaml:"ingress"`
}

// EnvVar is an app environment variable, either a value or a connection URI
// the platform provides.
type EnvVar struct {
	Name              string  `yaml:"name"`
	Value             *string `yaml:"value"`
	ValueFromPlatform string  `yaml:"valueFromPlatform"` // ReadWriteConnection | ReadOnlyConnection
	// ValueFrom reads the value from a Secret or ConfigMap key (coredb's
	// field, not Tembo's), so secrets stay out of Git.
	ValueFrom *EnvVarSource `yaml:"valueFrom"`
}

// EnvVarSource is the part of Kubernetes' EnvVarSource an app may use: a
// key of a Secret or ConfigMap in the CoreDB's namespace.
type EnvVarSource struct {
	SecretKeyRef    *KeyRef `yaml:"secretKeyRef"`
	ConfigMapKeyRef *KeyRef `yaml:"configMapKeyRef"`
}

// KeyRef names a key of a Secret or ConfigMap.
type KeyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional *bool  `yaml:"optional"`
}

// Probes are HTTP readiness and liveness probes.
type Probes struct {
	Readiness *Probe `yaml:"readiness"`
	Liveness  *Probe `yaml:"liveness"`
}

// Probe is one HTTP GET probe.
type Probe struct {
	Path                string `yaml:"path"`
	Port                int32  `yaml:"port"`
	InitialDelaySeconds int32  `yaml:"initialDelaySeconds"`
}

// AppMetrics says where an app exposes Prometheus metrics.
type AppMetrics struct {
	Port int32  `yaml:"port"`
	Path string `yaml:"path"`
}

// Middleware is a Traefik middleware, externally tagged: exactly one field is set.
type Middleware struct {
	CustomRequestHeaders *HeaderMiddleware `yaml:"customRequestHeaders"`
	StripPrefix          *PrefixMiddleware `yaml:"stripPrefix"`
	ReplacePathRegex     *RegexMiddleware  `yaml:"replacePathRegex"`
}

// HeaderMiddleware sets request headers.
type HeaderMiddleware struct {
	Name   string            `yaml:"name"`
	Config map[string]string `yaml:"config"`
}

// PrefixMiddleware strips path prefixes.
type PrefixMiddleware struct {
	Name   string   `yaml:"name"`
	Config []string `yaml:"config"`
}

// RegexMiddleware rewrites paths.
type RegexMiddleware struct {
	Name   string      `yaml:"name"`
	Config RegexConfig `yaml:"config"`
}

// RegexConfig is a path rewrite.
type RegexConfig struct {
	Regex       string `yaml:"regex"`
	Replacement string `yaml:"replacement"`
}

// Routing exposes an app port on a path.
type Routing struct {
	Port        int32    `yaml:"port"`
	IngressPath string   `yaml:"ingressPath"`
	Middlewares []string `yaml:"middlewares"`
	EntryPoints []string `yaml:"entryPoints"`
	IngressType string   `yaml:"ingressType"` // http | tcp
}

// AppStorage adds volumes to an app.
type AppStorage struct {
	Volumes      []corev1.Volume      `yaml:"volumes"`
	VolumeMounts []corev1.VolumeMount `yaml:"volumeMounts"`
}
