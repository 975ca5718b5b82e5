package compile

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	barmanapi "github.com/cloudnative-pg/barman-cloud/pkg/api"
	"github.com/coredb-dev/coredb/internal/lazyre"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Backups and restores (tembo-operator.md §5 "Backup", "ScheduledBackup",
// "Bootstrap with restore"; cloudnativepg.md §1.4, §1.9, §5.2).
//
// spec.backup becomes continuous WAL archiving plus base backups to an
// object store, taken by a ScheduledBackup, and optionally volume snapshot
// backups. Two archivers are supported: CloudNativePG's in-tree
// barmanObjectStore (deprecated since CNPG 1.26 and removed in 1.31; it needs
// barman-cloud in the operand image) and the Barman Cloud plugin (an
// ObjectStore object plus a Cluster plugin entry); defaultBackupMethod
// chooses between them from the image. spec.restore replaces the Cluster's
// initdb bootstrap with a recovery from such a store.
//
// Unlike Tembo, nothing is emitted for the placeholder destination s3:// that
// Tembo defaults to: a store without a bucket is not a backup.

const (
	backupMethodInTree = "barmanObjectStore"
	backupMethodPlugin = "plugin"

	// barmanCloudPlugin is the Barman Cloud plugin's CNPG-I name.
	barmanCloudPlugin = "barman-cloud.cloudnative-pg.io"

	// defaultBackupSchedule is Tembo's "0 0 * * *" (daily at midnight) in
	// the six-field form CNPG wants.
	defaultBackupSchedule = "0 0 0 * * *"
	// defaultRetention is Tembo's "30" (days).
	defaultRetention = "30d"
	// walMaxParallel is Tembo's WAL archive/restore parallelism.
	walMaxParallel = 8
	// snapshotBackupSuffix names the volume snapshot ScheduledBackup
	// <name[:43]>-snap, as Tembo does.
	snapshotBackupSuffix = "-snap"
	snapshotNameMax      = 43
)

// pluginMinCNPG is the first CloudNativePG release the Barman Cloud plugin
// supports (plugin-barman-cloud documentation; cloudnativepg.md §1.9).
var pluginMinCNPG = Version{1, 26, 0}

// backupObjects builds backups and restores and adjusts the Cluster.
func (b *build) backupObjects(c *cnpgv1.Cluster) {
	s := &b.db.Spec
	if s.Backup == nil && s.Restore == nil {
		return
	}
	method, ok := b.backupMethod()
	if !ok {
		return
	}
	var archive *archiveTarget
	if s.Backup != nil {
		archive = b.backup(c, method)
	}
	if s.Restore != nil {
		b.restore(c, method, archive)
	}
	b.warnInTree(c)
}

// backupMethod is spec.backup.method, else --backup-method, else the
// default for the image and the CloudNativePG version (defaultBackupMethod).
// An explicit in-tree method is checked against the image (checkInTreeImage).
func (b *build) backupMethod() (string, bool) {
	valid := func(m string) bool { return m == backupMethodInTree || m == backupMethodPlugin }
	method, path := b.opts.BackupMethod, b.backupOrRestorePath()
	if bk := b.db.Spec.Backup; bk != nil && bk.Method != "" {
		if !valid(bk.Method) {
			b.errorf("spec.backup.method", "must be barmanObjectStore (CloudNativePG's in-tree Barman Cloud) or plugin (the Barman Cloud plugin), got %q", bk.Method)
			return "", false
		}
		method, path = bk.Method, "spec.backup.method"
	} else if method != "" && !valid(method) {
		b.errs = append(b.errs, &FieldError{Msg: sprintf("--backup-method must be barmanObjectStore or plugin, got %q", method)})
		return "", false
	}
	switch method {
	case "":
		return b.defaultBackupMethod()
	case backupMethodPlugin:
		if v := b.cnpg; v.Less(pluginMinCNPG) {
			b.errorf(path, "the Barman Cloud plugin needs CloudNativePG 1.26 or later, but the target is %s (--cnpg-version); use method barmanObjectStore or target a newer release", v)
			return "", false
		}
	case backupMethodInTree:
		if !b.checkInTreeImage(path) {
			return "", false
		}
	}
	return method, true
}

// usesObjectStore reports whether the Cluster archives to or restores from
// an object store, the only thing the backup method decides: volume
// snapshots are taken by CloudNativePG itself, whatever the method.
func (b *build) usesObjectStore() bool {
	if b.db.Spec.Restore != nil {
		return true
	}
	bk := b.db.Spec.Backup
	if bk == nil || bk.DestinationPath == "" {
		return false
	}
	d := parseDestination(bk.DestinationPath)
	return d.msg == "" && !d.noBucket
}

// defaultBackupMethod chooses between the in-tree Barman Cloud and the
// plugin when neither the spec nor --backup-method does. The in-tree
// support runs barman-cloud-wal-archive and its siblings inside the
// Postgres container (cloudnativepg.md §1.9), and CloudNativePG's minimal and
// standard images, coredb's defaults, do not have them: only the deprecated
// system flavour does (running-on-stock-cnpg.md, "system": standard plus
// barman-cloud; images.yaml barmanCloud). The plugin runs barman-cloud in a
// sidecar of its own, so it works with every image, from CloudNativePG 1.26
// on. So: the in-tree method where the image is known to have barman-cloud
// (Tembo's images, the system flavour, an ImageSet saying barmanCloud:
// true), else the plugin; before 1.26 the in-tree method is the only one,
// so an image known to lack barman-cloud is an error and an unknown one a
// warning.
func (b *build) defaultBackupMethod() (string, bool) {
	has, known := b.img.BarmanCloud()
	if has || !b.usesObjectStore() {
		return backupMethodInTree, true
	}
	path, img := b.backupOrRestorePath(), b.img.Describe()
	if !b.cnpg.Less(pluginMinCNPG) {
		why := sprintf("image %s has no barman-cloud", img)
		if !known {
			why = sprintf("coredb does not know whether image %s has barman-cloud", img)
		}
		b.warnf(path, "using the Barman Cloud plugin (method plugin), because %s, which CloudNativePG's in-tree Barman Cloud (barmanObjectStore) runs inside the Postgres container; install the plugin next to the operator (plugin-barman-cloud), and write spec.backup.method: plugin (or render with --backup-method plugin) to silence this%s", why, inTreeHint(known))
		return backupMethodPlugin, true
	}
	if !known {
		b.warnInTreeUnknown(path)
		return backupMethodInTree, true
	}
	b.errorf(path, "image %s has no barman-cloud, which CloudNativePG's in-tree Barman Cloud (barmanObjectStore, the only backup method before CloudNativePG 1.26) runs inside the Postgres container, and the Barman Cloud plugin needs CloudNativePG 1.26 or later (the target is %s, --cnpg-version); target 1.26 or later for the plugin, or use an image with barman-cloud (%s)", img, b.cnpg, b.systemImageExample())
	return "", false
}

// checkInTreeImage checks an explicit in-tree method against the image: an
// image known to lack barman-cloud can never archive (error), one coredb
// does not know may (warning).
func (b *build) checkInTreeImage(path string) bool {
	if !b.usesObjectStore() {
		return true
	}
	has, known := b.img.BarmanCloud()
	switch {
	case has:
		return true
	case !known:
		b.warnInTreeUnknown(path)
		return true
	}
	fix := "use method plugin (the Barman Cloud plugin, which brings its own barman-cloud)"
	if b.cnpg.Less(pluginMinCNPG) {
		fix = "target CloudNativePG 1.26 or later and use method plugin"
	}
	asked := "CloudNativePG's in-tree Barman Cloud (barmanObjectStore)"
	if path != "spec.backup.method" {
		asked = "CloudNativePG's in-tree Barman Cloud (--backup-method barmanObjectStore)"
	}
	declared := ""
	if b.img.Declared != nil {
		declared = "; if it does have barman-cloud, say barmanCloud: true in its ImageSet"
	}
	b.errorf(path, "%s runs barman-cloud inside the Postgres container, and image %s has none, so WAL archiving and every backup would fail; %s, or use an image with barman-cloud (%s)%s", asked, b.img.Describe(), fix, b.systemImageExample(), declared)
	return false
}

// warnInTreeUnknown warns that the in-tree method depends on an image coredb
// does not know.
func (b *build) warnInTreeUnknown(path string) {
	b.warnf(path, "CloudNativePG's in-tree Barman Cloud (barmanObjectStore) runs barman-cloud inside the Postgres container, and coredb does not know image %s: it must contain barman-cloud-wal-archive, barman-cloud-wal-restore, barman-cloud-backup and barman-cloud-restore, or WAL archiving and every backup fail; declare it in an ImageSet with barmanCloud: true to silence this", b.img.Describe())
}

// inTreeHint tells how to get the in-tree method when the plugin was chosen.
func inTreeHint(known bool) string {
	if known {
		return ""
	}
	return " (if the image has barman-cloud, declare it in an ImageSet with barmanCloud: true to use the in-tree method)"
}

// systemImageExample names CloudNativePG's image with barman-cloud for the
// image's Postgres major: the system flavour, deprecated and removed
// together with the in-tree support.
func (b *build) systemImageExample() string {
	major := b.img.Major
	if major == 0 {
		major = 17
	}
	return sprintf("CloudNativePG's system flavour, e.g. ghcr.io/cloudnative-pg/postgresql:%d-system-trixie, deprecated together with the in-tree support", major)
}

func (b *build) backupOrRestorePath() string {
	if b.db.Spec.Backup != nil {
		return "spec.backup"
	}
	return "spec.restore"
}

// warnInTree reports the deprecated in-tree Barman Cloud support once per
// CoreDB. The API server prints the same deprecation on every apply.
func (b *build) warnInTree(c *cnpgv1.Cluster) {
	var uses []string
	if c.Spec.Backup != nil && c.Spec.Backup.BarmanObjectStore != nil {
		uses = append(uses, "spec.backup")
	}
	for _, e := range c.Spec.ExternalClusters {
		if e.BarmanObjectStore != nil {
			uses = append(uses, "spec.restore")
			break
		}
	}
	if len(uses) == 0 {
		return
	}
	what := "this is configured"
	if len(uses) == 2 {
		what = "backup and restore are configured"
	}
	b.warnf(uses[0], "%s with CloudNativePG's in-tree Barman Cloud support (barmanObjectStore), deprecated since CloudNativePG 1.26 and removed in 1.31; set spec.backup.method: plugin (or --backup-method plugin) to use the Barman Cloud plugin instead", what)
}

// archiveTarget is where a Cluster archives WAL and base backups.
type archiveTarget struct {
	store      cnpgv1.BarmanObjectStoreConfiguration
	provider   storeProvider
	serverName string // the Cluster name: CNPG's default server name
}

// backup maps spec.backup. It returns the archive, nil when there is none.
func (b *build) backup(c *cnpgv1.Cluster, method string) *archiveTarget {
	bk := b.db.Spec.Backup
	name := b.db.Metadata.Name
	schedule := b.backupSchedule()
	retention := b.retentionPolicy()
	snapshots := bk.VolumeSnapshot != nil && bk.VolumeSnapshot.Enabled != nil && *bk.VolumeSnapshot.Enabled

	var archive *archiveTarget
	dest := parseDestination(bk.DestinationPath)
	switch {
	case bk.DestinationPath == "":
		if !snapshots {
			b.warnf("spec.backup", "no destinationPath, so no backup is configured (Tembo's default s3:// is a placeholder); set destinationPath: s3://BUCKET/PATH to archive WAL and take base backups")
		}
	case dest.msg != "":
		b.errorf("spec.backup.destinationPath", "%s", dest.msg)
	case dest.noBucket:
		b.warnf("spec.backup.destinationPath", "%q names no bucket (Tembo's placeholder default), so no WAL archive and no base backups are configured; write s3://BUCKET/PATH to turn them on", bk.DestinationPath)
	default:
		store, ok := b.barmanStore(storeInput{
			path: "spec.backup", dest: bk.DestinationPath, provider: dest.provider,
			endpoint: bk.EndpointURL, endpointPath: "spec.backup.endpointURL",
			creds: credentials{path: "spec.backup", s3: bk.S3Credentials, google: bk.GoogleCredentials, azure: bk.AzureCredentials},
		})
		if ok {
			store.Data = &cnpgv1.DataBackupConfiguration{Compression: "snappy", ImmediateCheckpoint: true}
			store.Wal = &cnpgv1.WalBackupConfiguration{Compression: "snappy", MaxParallel: walMaxParallel}
			if enc := b.encryption(dest.provider); enc != "" {
				store.Data.Encryption = enc
				store.Wal.Encryption = enc
			}
			archive = &archiveTarget{store: store, provider: dest.provider, serverName: name}
		}
	}
	b.checkEncryption(dest.provider)

	if archive != nil {
		switch method {
		case backupMethodInTree:
			backupConfig(c).BarmanObjectStore = archive.store.DeepCopy()
			backupConfig(c).RetentionPolicy = retention
		case backupMethodPlugin:
			os := b.objectStore(name+"-backup", "backup", archive.store, retention)
			b.add(os)
			c.Spec.Plugins = append(c.Spec.Plugins, cnpgv1.PluginConfiguration{
				Name:          barmanCloudPlugin,
				Enabled:       ptr(true), // the CRD default, written so list diffs stay clean
				IsWALArchiver: ptr(true),
				Parameters:    map[string]string{"barmanObjectName": os.Name},
			})
		}
		b.add(b.scheduledBackup(name, schedule, method))
	}

	if snapshots {
		if cls := bk.VolumeSnapshot.SnapshotClass; cls != "" {
			for _, msg := range validation.IsDNS1123Subdomain(cls) {
				b.errorf("spec.backup.volumeSnapshot.snapshotClass", "%q is not a VolumeSnapshotClass name: %s", cls, msg)
			}
		}
		if archive == nil {
			b.warnf("spec.backup.volumeSnapshot.enabled", "volume snapshots without a WAL archive (no usable destinationPath): each snapshot restores only to the moment it was taken, with no point-in-time recovery")
		}
		// Online (hot) snapshots as Tembo takes them; CNPG keeps the WAL
		// they need with a temporary replication slot. Each snapshot is
		// owned by its Backup, so the retention CronJob (retention.go)
		// deletes both; Backups themselves belong to nothing, so removing
		// the schedule or the Cluster never deletes a snapshot.
		backupConfig(c).VolumeSnapshot = &cnpgv1.VolumeSnapshotConfiguration{
			ClassName:              bk.VolumeSnapshot.SnapshotClass,
			Online:                 ptr(true),
			SnapshotOwnerReference: cnpgv1.SnapshotOwnerReferenceBackup,
			OnlineConfiguration: cnpgv1.OnlineConfiguration{
				WaitForArchive:      ptr(true),
				ImmediateCheckpoint: ptr(true),
			},
		}
		snap := name
		if len(snap) > snapshotNameMax {
			snap = snap[:snapshotNameMax]
		}
		snapSchedule := schedule
		if archive != nil {
			moved, ok := snapshotSchedule(schedule)
			if !ok {
				b.warnf("spec.backup.schedule", "volume snapshots run on the same schedule (%s) as the object-store backup, because coredb only moves a schedule that names a single hour or minute; both read the whole volume at once", schedule)
			}
			snapSchedule = moved
		}
		sb := b.scheduledBackup(snap+snapshotBackupSuffix, snapSchedule, string(cnpgv1.BackupMethodVolumeSnapshot))
		sb.Spec.BackupOwnerReference = "none"
		b.add(sb)
		b.snapshotRetention(sb.Name)
	}
	return archive
}

func backupConfig(c *cnpgv1.Cluster) *cnpgv1.BackupConfiguration {
	if c.Spec.Backup == nil {
		c.Spec.Backup = &cnpgv1.BackupConfiguration{}
	}
	return c.Spec.Backup
}

// scheduledBackup builds a ScheduledBackup. Backups it creates are owned by
// it (backupOwnerReference: self, as in CNPG's own examples): removing the
// schedule from Git removes their Backup records too, while the backed-up
// data stays in the object store. Tembo's "cluster" would leave them behind
// until the Cluster itself is deleted.
func (b *build) scheduledBackup(name, schedule, method string) *cnpgv1.ScheduledBackup {
	meta := b.objectMeta(name, "backup")
	sb := &cnpgv1.ScheduledBackup{
		TypeMeta:   metav1.TypeMeta{APIVersion: "postgresql.cnpg.io/v1", Kind: "ScheduledBackup"},
		ObjectMeta: meta,
		Spec: cnpgv1.ScheduledBackupSpec{
			Schedule:             schedule,
			Cluster:              cnpgv1.LocalObjectReference{Name: b.db.Metadata.Name},
			Method:               cnpgv1.BackupMethod(method),
			Immediate:            ptr(true),
			Suspend:              ptr(b.stopped()),
			BackupOwnerReference: "self",
		},
	}
	if method == backupMethodPlugin {
		sb.Spec.PluginConfiguration = &cnpgv1.BackupPluginConfiguration{Name: barmanCloudPlugin}
	}
	return sb
}

// backupSchedule is spec.backup.schedule in CNPG's six-field form.
func (b *build) backupSchedule() string {
	s := b.db.Spec.Backup.Schedule
	if strings.TrimSpace(s) == "" {
		return defaultBackupSchedule
	}
	out, err := cronSchedule(s)
	if err != nil {
		b.errorf("spec.backup.schedule", "%q is not a valid schedule: %v; write five cron fields (minute hour day-of-month month day-of-week), e.g. \"0 2 * * *\"", s, err)
		return defaultBackupSchedule
	}
	return out
}

// retentionPolicy is spec.backup.retentionPolicy in CNPG's form.
func (b *build) retentionPolicy() string {
	s := b.db.Spec.Backup.RetentionPolicy
	out, ok := retention(s)
	if !ok {
		b.errorf("spec.backup.retentionPolicy", "must be a number of days (e.g. \"30\", as Tembo wrote it) or a positive number followed by d, w or m (e.g. 30d, 4w, 3m), got %q", s)
		return defaultRetention
	}
	return out
}

var retentionPattern = lazyre.New(`^[1-9][0-9]*[dwm]$`)

// retention turns Tembo's retention (a number of days, "30") into CNPG's
// ("30d"); CNPG's own forms are kept. Empty means Tembo's default.
func retention(s string) (string, bool) {
	switch {
	case s == "":
		return defaultRetention, true
	case retentionPattern.MatchString(s):
		return s, true
	case retentionPattern.MatchString(s + "d"):
		return s + "d", true
	}
	return "", false
}

// encryption is the server-side encryption for S3: Tembo's default AES256,
// none when the user wrote "". Other stores have none.
func (b *build) encryption(p storeProvider) barmanapi.EncryptionType {
	e := b.db.Spec.Backup.Encryption
	switch {
	case p != providerS3:
		return barmanapi.EncryptionTypeNone
	case e == nil:
		return barmanapi.EncryptionTypeAES256
	}
	return barmanapi.EncryptionType(*e)
}

// checkEncryption checks spec.backup.encryption against the store.
func (b *build) checkEncryption(p storeProvider) {
	e := b.db.Spec.Backup.Encryption
	if e == nil || *e == "" {
		return
	}
	if *e != "AES256" && *e != "aws:kms" {
		b.errorf("spec.backup.encryption", "must be AES256, aws:kms or \"\" (no server-side encryption requested), got %q", *e)
		return
	}
	if p != providerS3 && p != providerNone {
		b.errorf("spec.backup.encryption", "%q is S3 server-side encryption and does not apply to %s; remove it (the store's own encryption applies)", *e, p)
	}
}

// storeProvider is the kind of object store a destination URL names.
type storeProvider int

const (
	providerNone storeProvider = iota
	providerS3
	providerGCS
	providerAzure
)

func (p storeProvider) String() string {
	switch p {
	case providerS3:
		return "S3"
	case providerGCS:
		return "Google Cloud Storage"
	case providerAzure:
		return "Azure Blob Storage"
	}
	return "no store"
}

// credentialsField is the credentials key a provider needs.
func (p storeProvider) credentialsField() string {
	switch p {
	case providerGCS:
		return "googleCredentials"
	case providerAzure:
		return "azureCredentials"
	}
	return "s3Credentials"
}

// destination is a parsed object store URL.
type destination struct {
	provider storeProvider
	noBucket bool   // s3:// or gs:// without a bucket
	msg      string // why the URL is unusable
}

// parseDestination reads a destination URL the way barman-cloud does:
// s3://BUCKET/PATH, gs://BUCKET/PATH, or an https URL of an Azure
// container.
func parseDestination(p string) destination {
	const want = "must be an object store URL: s3://BUCKET/PATH (S3 and S3-compatible stores), gs://BUCKET/PATH (Google Cloud Storage) or https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH (Azure Blob Storage)"
	if strings.ContainsAny(p, " \t\r\n") {
		return destination{msg: sprintf("%q contains whitespace; it %s", p, want)}
	}
	for prefix, prov := range map[string]storeProvider{"s3://": providerS3, "gs://": providerGCS} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			bucket, _, _ := strings.Cut(rest, "/")
			return destination{provider: prov, noBucket: bucket == ""}
		}
	}
	if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
		u, err := url.Parse(p)
		if err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" || u.RawQuery != "" || u.Fragment != "" {
			return destination{msg: sprintf("%q is not an Azure Blob Storage URL; write https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH", p)}
		}
		return destination{provider: providerAzure}
	}
	return destination{msg: sprintf("%q %s", p, want)}
}

// credentials are the credential blocks of spec.backup or spec.restore.
type credentials struct {
	path   string // spec.backup or spec.restore
	s3     *S3Credentials
	google *GoogleCredentials
	azure  *AzureCredentials
}

func (c credentials) count() int {
	n := 0
	for _, set := range []bool{c.s3 != nil, c.google != nil, c.azure != nil} {
		if set {
			n++
		}
	}
	return n
}

// storeInput is what a Barman object store is built from.
type storeInput struct {
	path         string // spec.backup or spec.restore, for messages
	dest         string
	provider     storeProvider
	endpoint     string
	endpointPath string
	creds        credentials
}

// barmanStore builds the object store configuration shared by the in-tree
// barmanObjectStore and the plugin's ObjectStore: destination, endpoint and
// exactly one credentials block, each a reference to a Secret.
func (b *build) barmanStore(in storeInput) (cnpgv1.BarmanObjectStoreConfiguration, bool) {
	nerr := len(b.errs.Errors())
	st := cnpgv1.BarmanObjectStoreConfiguration{DestinationPath: in.dest}
	if e := in.endpoint; e != "" {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			b.errorf(in.endpointPath, "%q must be an http:// or https:// URL of the object store, e.g. http://minio.minio.svc:9000", e)
		}
		st.EndpointURL = e
	}
	cr := in.creds
	if cr.count() > 1 {
		b.errorf(cr.path, "give one of s3Credentials, googleCredentials and azureCredentials, not %d", cr.count())
		return st, false
	}
	want := in.provider.credentialsField()
	for field, set := range map[string]bool{"s3Credentials": cr.s3 != nil, "googleCredentials": cr.google != nil, "azureCredentials": cr.azure != nil} {
		if set && field != want {
			b.errorf(cr.path+"."+field, "cannot be used with %q, a %s destination; give %s", in.dest, in.provider, want)
			return st, false
		}
	}
	switch in.provider {
	case providerS3:
		st.AWS = b.s3Credentials(cr.path+".s3Credentials", cr.s3)
	case providerGCS:
		if cr.google == nil {
			b.errorf(cr.path, "a gs:// destination needs googleCredentials: applicationCredentials (a Secret with a service account key) or gkeEnvironment: true (Workload Identity)")
			return st, false
		}
		st.Google = b.googleCredentials(cr.path+".googleCredentials", cr.google)
	case providerAzure:
		if cr.azure == nil {
			b.errorf(cr.path, "an Azure destination needs azureCredentials: connectionString, storageAccount with storageKey or storageSasToken, or inheritFromAzureAD: true")
			return st, false
		}
		st.Azure = b.azureCredentials(cr.path+".azureCredentials", cr.azure)
	}
	return st, len(b.errs.Errors()) == nerr
}

// s3Credentials maps Tembo's S3 credentials. As in Tembo, no credentials
// mean the pod's IAM role (IRSA, EKS Pod Identity or an instance profile).
func (b *build) s3Credentials(path string, c *S3Credentials) *cnpgv1.S3Credentials {
	if c == nil {
		return &cnpgv1.S3Credentials{InheritFromIAMRole: true}
	}
	out := &cnpgv1.S3Credentials{RegionReference: b.secretRef(path+".region", c.Region)}
	iam := c.InheritFromIAMRole != nil && *c.InheritFromIAMRole
	keys := c.AccessKeyID != nil || c.SecretAccessKey != nil
	switch {
	case keys && iam:
		b.errorf(path+".inheritFromIAMRole", "cannot be true together with accessKeyId and secretAccessKey; use either the pod's IAM role or the keys")
	case keys:
		if c.AccessKeyID == nil {
			b.errorf(path, "accessKeyId is required together with secretAccessKey")
		}
		if c.SecretAccessKey == nil {
			b.errorf(path, "secretAccessKey is required together with accessKeyId")
		}
		out.AccessKeyIDReference = b.secretRef(path+".accessKeyId", c.AccessKeyID)
		out.SecretAccessKeyReference = b.secretRef(path+".secretAccessKey", c.SecretAccessKey)
		out.SessionToken = b.secretRef(path+".sessionToken", c.SessionToken)
	case c.InheritFromIAMRole != nil && !iam: // explicitly false, and no keys
		b.errorf(path+".inheritFromIAMRole", "false needs accessKeyId and secretAccessKey; give the keys, or set it true to use the pod's IAM role")
	default:
		out.InheritFromIAMRole = true
		if c.SessionToken != nil {
			b.errorf(path+".sessionToken", "is used only with accessKeyId and secretAccessKey")
		}
	}
	if iam {
		out.InheritFromIAMRole = true
	}
	return out
}

func (b *build) googleCredentials(path string, c *GoogleCredentials) *cnpgv1.GoogleCredentials {
	gke := c.GKEEnvironment != nil && *c.GKEEnvironment
	switch {
	case gke && c.ApplicationCredentials != nil:
		b.errorf(path, "give applicationCredentials or gkeEnvironment: true, not both")
	case !gke && c.ApplicationCredentials == nil:
		b.errorf(path, "needs applicationCredentials (a Secret with a service account key) or gkeEnvironment: true (Workload Identity)")
	}
	return &cnpgv1.GoogleCredentials{ApplicationCredentials: b.secretRef(path+".applicationCredentials", c.ApplicationCredentials), GKEEnvironment: gke}
}

func (b *build) azureCredentials(path string, c *AzureCredentials) *cnpgv1.AzureCredentials {
	ad := c.InheritFromAzureAD != nil && *c.InheritFromAzureAD
	methods := 0
	for _, set := range []bool{ad, c.StorageKey != nil, c.StorageSasToken != nil} {
		if set {
			methods++
		}
	}
	switch {
	case c.ConnectionString != nil && (methods > 0 || c.StorageAccount != nil):
		b.errorf(path, "connectionString must be given alone, without storageAccount, storageKey, storageSasToken or inheritFromAzureAD")
	case c.ConnectionString == nil && methods != 1:
		b.errorf(path, "give connectionString, or exactly one of storageKey, storageSasToken and inheritFromAzureAD: true")
	case (c.StorageKey != nil || c.StorageSasToken != nil) && c.StorageAccount == nil:
		b.errorf(path, "storageAccount is required with storageKey or storageSasToken")
	}
	return &cnpgv1.AzureCredentials{
		ConnectionString:   b.secretRef(path+".connectionString", c.ConnectionString),
		StorageAccount:     b.secretRef(path+".storageAccount", c.StorageAccount),
		StorageKey:         b.secretRef(path+".storageKey", c.StorageKey),
		StorageSasToken:    b.secretRef(path+".storageSasToken", c.StorageSasToken),
		InheritFromAzureAD: ad,
	}
}

// secretRef checks a reference to one key of a Secret. Credentials are only
// ever referenced by name: coredb never sees or emits their values.
func (b *build) secretRef(path string, r *SecretKeyRef) *cnpgv1.SecretKeySelector {
	if r == nil {
		return nil
	}
	switch {
	case r.Name == "":
		b.errorf(path+".name", "required: the name of a Secret in the database's namespace")
	default:
		for _, msg := range validation.IsDNS1123Subdomain(r.Name) {
			b.errorf(path+".name", "%q is not a valid Secret name: %s", r.Name, msg)
		}
	}
	switch {
	case r.Key == "":
		b.errorf(path+".key", "required: the key of Secret %q that holds the value", r.Name)
	default:
		for _, msg := range validation.IsConfigMapKey(r.Key) {
			b.errorf(path+".key", "%q is not a valid Secret key: %s", r.Key, msg)
		}
	}
	return &cnpgv1.SecretKeySelector{LocalObjectReference: cnpgv1.LocalObjectReference{Name: r.Name}, Key: r.Key}
}

// restore replaces the Cluster's initdb bootstrap with a recovery from the
// backups of serverName (tembo-operator.md §5 "Bootstrap with restore").
func (b *build) restore(c *cnpgv1.Cluster, method string, archive *archiveTarget) {
	r := b.db.Spec.Restore
	bk := b.db.Spec.Backup
	ok := true
	if r.ServerName == "" {
		b.errorf("spec.restore.serverName", "required: the server name the backups were taken under (the name of the source Cluster, unless it set one)")
		ok = false
	} else if strings.ContainsAny(r.ServerName, "/\\") || r.ServerName == "." || r.ServerName == ".." || strings.ContainsAny(r.ServerName, " \t\r\n") {
		b.errorf("spec.restore.serverName", "%q is not a Barman server name: no '/', '\\', whitespace, \".\" or \"..\"", r.ServerName)
		ok = false
	}

	// Where the backups are: backupsPath, else Tembo's rule (the backup
	// destination with its last path segment replaced by serverName).
	srcPath, pathField := r.BackupsPath, "spec.restore.backupsPath"
	if srcPath == "" && r.ServerName != "" {
		derived, why := derivedRestorePath(bk, r.ServerName)
		if why != "" {
			b.errorf("spec.restore", "backupsPath is required: %s; set it to the destinationPath of the Cluster that took the backups", why)
			ok = false
		}
		srcPath, pathField = derived, "spec.backup.destinationPath"
	}
	var dest destination
	if srcPath != "" {
		dest = parseDestination(srcPath)
		switch {
		case dest.msg != "":
			b.errorf(pathField, "%s", dest.msg)
			ok = false
		case dest.noBucket:
			b.errorf(pathField, "%q names no bucket, so there are no backups to restore; set spec.restore.backupsPath to the destinationPath of the Cluster that took them", srcPath)
			ok = false
		}
	}

	target := ""
	if t := r.RecoveryTargetTime; t != "" {
		out, err := recoveryTargetTime(t)
		if err != nil {
			b.errorf("spec.restore.recoveryTargetTime", "%q: %v; write e.g. \"2024-05-01 13:45:00+05:30\" or \"2024-05-01T08:15:00Z\" (RFC 3339)", t, err)
			ok = false
		}
		target = out
	}
	if !ok {
		return
	}

	// Unset endpoint and credentials come from spec.backup when it uses
	// the same kind of store: Tembo's path rule assumes the same bucket.
	creds := credentials{path: "spec.restore", s3: r.S3Credentials, google: r.GoogleCredentials, azure: r.AzureCredentials}
	endpoint, endpointPath := r.EndpointURL, "spec.restore.endpointURL"
	if bk != nil && parseDestination(bk.DestinationPath).provider == dest.provider {
		if creds.count() == 0 {
			creds = credentials{path: "spec.backup", s3: bk.S3Credentials, google: bk.GoogleCredentials, azure: bk.AzureCredentials}
		}
		if endpoint == "" {
			endpoint, endpointPath = bk.EndpointURL, "spec.backup.endpointURL"
		}
	}
	store, ok := b.barmanStore(storeInput{path: "spec.restore", dest: srcPath, provider: dest.provider, endpoint: endpoint, endpointPath: endpointPath, creds: creds})
	if !ok {
		return
	}
	store.Wal = &cnpgv1.WalBackupConfiguration{MaxParallel: walMaxParallel}

	if archive != nil && archive.provider == dest.provider && sameStorePath(archive.store.DestinationPath, archive.serverName, srcPath, r.ServerName) && archive.store.EndpointURL == store.EndpointURL {
		b.errorf("spec.restore.serverName", "the restored Cluster would archive WAL into the backups it restores from (%s, server %s), and CloudNativePG refuses to archive into a non-empty archive; give spec.backup a new destinationPath (e.g. %s-v2)", strings.TrimRight(srcPath, "/"), r.ServerName, strings.TrimRight(archive.store.DestinationPath, "/"))
		return
	}

	source := cnpgv1.ExternalCluster{Name: r.ServerName}
	switch method {
	case backupMethodInTree:
		store.ServerName = r.ServerName
		source.BarmanObjectStore = &store
	case backupMethodPlugin:
		os := b.objectStore(b.db.Metadata.Name+"-restore", "restore", store, "")
		b.add(os)
		source.PluginConfiguration = &cnpgv1.PluginConfiguration{
			Name:          barmanCloudPlugin,
			Enabled:       ptr(true),  // CRD default, written so list diffs stay clean
			IsWALArchiver: ptr(false), // likewise
			Parameters:    map[string]string{"barmanObjectName": os.Name, "serverName": r.ServerName},
		}
	}
	c.Spec.ExternalClusters = append(c.Spec.ExternalClusters, source)
	rec := &cnpgv1.BootstrapRecovery{Source: source.Name, Database: "app", Owner: "app"}
	if target != "" {
		rec.RecoveryTarget = &cnpgv1.RecoveryTarget{TargetTime: target}
	}
	// Recovery replaces initdb: CNPG allows one bootstrap method.
	c.Spec.Bootstrap = &cnpgv1.BootstrapConfiguration{Recovery: rec}
}

// derivedRestorePath applies Tembo's rule: the backup destination with its
// last path segment replaced by serverName (s3://b/v2/old -> s3://b/v2/NEW).
// why says why no path can be derived.
func derivedRestorePath(bk *Backup, serverName string) (path, why string) {
	if bk == nil || bk.DestinationPath == "" {
		return "", "there is no spec.backup.destinationPath to derive it from"
	}
	d := parseDestination(bk.DestinationPath)
	if d.msg != "" || d.noBucket {
		return "", sprintf("spec.backup.destinationPath %q names no store to derive it from", bk.DestinationPath)
	}
	scheme, rest, _ := strings.Cut(strings.TrimRight(bk.DestinationPath, "/"), "://")
	parts := strings.Split(rest, "/")
	keep, below := 1, "bucket"
	if d.provider == providerAzure {
		keep, below = 2, "container" // the account host and the container stay
	}
	if len(parts) <= keep {
		return "", sprintf("spec.backup.destinationPath %q has no path below the %s to replace with serverName", bk.DestinationPath, below)
	}
	parts[len(parts)-1] = serverName
	return scheme + "://" + strings.Join(parts, "/"), ""
}

// sameStorePath reports whether two (destination, server name) pairs name
// the same Barman archive.
func sameStorePath(destA, serverA, destB, serverB string) bool {
	return strings.TrimRight(destA, "/") == strings.TrimRight(destB, "/") && serverA == serverB
}

// recoveryTargetTime parses the point-in-time formats Tembo accepted
// (YYYY-MM-DD HH:MM:SS, optionally with fractional seconds and a ±HH,
// ±HHMM or ±HH:MM offset; RFC 3339) and writes RFC 3339 with the full offset.
// Tembo truncated offsets to whole hours, moving +05:30 by 30 minutes. A time
// without an offset is UTC, as CloudNativePG's webhook reads it; UTC is
// written +00:00 rather than Z, as CNPG itself does for PostgreSQL.
func recoveryTargetTime(s string) (string, error) {
	layouts := []string{"Z07:00", "-07", "-0700", ""}
	var (
		t     time.Time
		err   error
		found bool
	)
	for _, sep := range []string{" ", "T"} {
		for _, zone := range layouts {
			t, err = time.Parse("2006-01-02"+sep+"15:04:05"+zone, s)
			if err == nil {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return "", errorString("not a timestamp in a format CloudNativePG accepts")
	}
	if frac := fractionDigits(s); frac > 6 {
		return "", errorString("PostgreSQL keeps microseconds: give at most 6 fractional digits")
	}
	if _, off := t.Zone(); off <= -16*3600 || off >= 16*3600 {
		return "", errorString("PostgreSQL accepts UTC offsets up to ±15:59")
	}
	return t.Format("2006-01-02T15:04:05.999999-07:00"), nil
}

// fractionDigits counts the digits after the seconds' decimal point.
func fractionDigits(s string) int {
	// the fraction follows HH:MM:SS, the 19th character of either layout
	if len(s) < 20 || s[19] != '.' {
		return 0
	}
	n := 0
	for _, r := range s[20:] {
		if r < '0' || r > '9' {
			break
		}
		n++
	}
	return n
}

type errorString string

func (e errorString) Error() string { return string(e) }

// objectStore is the Barman Cloud plugin's barmancloud.cnpg.io/v1
// ObjectStore (github.com/cloudnative-pg/plugin-barman-cloud api/v1),
// declared here with the fields coredb writes: the plugin's Go module is not
// a dependency.
type objectStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              objectStoreSpec `json:"spec"`
}

type objectStoreSpec struct {
	// Configuration has the schema of the in-tree barmanObjectStore; the
	// plugin forbids serverName here (it is a Cluster plugin parameter).
	Configuration   cnpgv1.BarmanObjectStoreConfiguration `json:"configuration"`
	RetentionPolicy string                                `json:"retentionPolicy,omitempty"`
}

func (o *objectStore) DeepCopyObject() runtime.Object {
	out := &objectStore{TypeMeta: o.TypeMeta, Spec: objectStoreSpec{RetentionPolicy: o.Spec.RetentionPolicy}}
	o.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	o.Spec.Configuration.DeepCopyInto(&out.Spec.Configuration)
	return out
}

// objectStore builds a plugin ObjectStore in the configuration wave.
func (b *build) objectStore(name, component string, cfg cnpgv1.BarmanObjectStoreConfiguration, retention string) *objectStore {
	meta := b.objectMeta(name, component)
	cfg = *cfg.DeepCopy()
	cfg.ServerName = ""
	return &objectStore{
		TypeMeta:   metav1.TypeMeta{APIVersion: "barmancloud.cnpg.io/v1", Kind: "ObjectStore"},
		ObjectMeta: meta,
		Spec:       objectStoreSpec{Configuration: cfg, RetentionPolicy: retention},
	}
}

// Cron schedules.
//
// CNPG's ScheduledBackup webhook parses schedules with robfig/cron v1
// (cron.Parse): six fields, seconds first, the day of week optional. A
// five-field crontab line is therefore accepted with a warning and read
// shifted by one field: "17 9 * * *" runs at second 17 of minute 9 of every
// hour. coredb prefixes five-field schedules with "0 " (as Tembo did) and
// validates every field with robfig/cron's rules, so all that CNPG would
// reject, and a little it would accept by accident ("*-5", "1,,2", "+5"), is
// an error here. Unlike Tembo, steps, ranges, lists and names are kept.

// cronField is one field of a six-field schedule.
type cronField struct {
	name     string
	min, max int
	names    map[string]int // lower-case names, as robfig/cron matches them
}

var cronFields = [6]cronField{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}},
	{name: "day of week", min: 0, max: 6, names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}},
}

// cronDescriptors are robfig/cron's named schedules, in six-field form.
var cronDescriptors = map[string]string{
	"@yearly":   "0 0 0 1 1 *",
	"@annually": "0 0 0 1 1 *",
	"@monthly":  "0 0 0 1 * *",
	"@weekly":   "0 0 0 * * 0",
	"@daily":    "0 0 0 * * *",
	"@midnight": "0 0 0 * * *",
	"@hourly":   "0 0 * * * *",
}

// cronSchedule validates a five- or six-field cron schedule (or a named one
// such as @daily) and returns its six-field form.
func cronSchedule(s string) (string, error) {
	fields := strings.Fields(s)
	if len(fields) == 1 && strings.HasPrefix(fields[0], "@") {
		if out, ok := cronDescriptors[fields[0]]; ok {
			return out, nil
		}
		if fields[0] == "@every" {
			return "", errorString("@every intervals are not supported; use cron fields")
		}
		return "", errorString(sprintf("unknown descriptor %s (known: @yearly, @monthly, @weekly, @daily, @hourly)", fields[0]))
	}
	if len(fields) > 0 && fields[0] == "@every" {
		return "", errorString("@every intervals are not supported; use cron fields")
	}
	switch len(fields) {
	case 5:
		fields = append([]string{"0"}, fields...)
	case 6:
	default:
		return "", errorString(sprintf("has %d fields; want 5 (minute hour day-of-month month day-of-week) or 6 (a seconds field first)", len(fields)))
	}
	for i, f := range fields {
		if err := cronFields[i].check(f); err != nil {
			return "", err
		}
	}
	return strings.Join(fields, " "), nil
}

// check validates one field: a comma-separated list of "*" or "?",
// N, N-M, each optionally followed by /STEP, within the field's bounds.
func (c cronField) check(field string) error {
	for item := range strings.SplitSeq(field, ",") {
		if item == "" {
			return errorString(sprintf("%s field %q has an empty list item", c.name, field))
		}
		rng, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, ok := cronNumber(step, nil)
			if !ok || strings.Contains(step, "/") {
				return errorString(sprintf("%s field: step %q in %q must be a positive number", c.name, step, item))
			}
			if n == 0 {
				return errorString(sprintf("%s field: step in %q must be positive", c.name, item))
			}
		}
		if rng == "*" || rng == "?" {
			continue
		}
		lo, hi, isRange := strings.Cut(rng, "-")
		start, ok := cronNumber(lo, c.names)
		if !ok {
			return errorString(sprintf("%s field: %q is not a number%s", c.name, lo, c.namesHint()))
		}
		end := start
		if isRange {
			if end, ok = cronNumber(hi, c.names); !ok {
				return errorString(sprintf("%s field: %q is not a number%s", c.name, hi, c.namesHint()))
			}
		}
		switch {
		case start < c.min || end > c.max || start > c.max:
			return errorString(sprintf("%s field: %q is out of range %d-%d", c.name, item, c.min, c.max))
		case start > end:
			return errorString(sprintf("%s field: range %q starts after it ends", c.name, rng))
		}
	}
	return nil
}

func (c cronField) namesHint() string {
	switch c.name {
	case "month":
		return " or a month name (jan-dec)"
	case "day of week":
		return " or a day name (sun-sat)"
	}
	return ""
}

// cronNumber reads an unsigned decimal number or, where the field has names,
// a name in any case.
func cronNumber(s string, names map[string]int) (int, bool) {
	if n, ok := names[strings.ToLower(s)]; ok {
		return n, true
	}
	if s == "" || len(s) > 4 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
