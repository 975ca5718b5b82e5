// Package databases builds CloudNativePG Database objects
// (postgresql.cnpg.io/v1, cloudnativepg.md §4) that create, update and drop
// a database's extensions and the schemas they live in. CloudNativePG's
// instance manager reconciles them on the primary as the superuser, retries
// every 30 seconds until they apply, and reports each extension's outcome in
// the object's status; no superuser password, Job or sync ordering is needed.
// It cannot manage the postgres database (the CRD forbids the name), and
// extensions and schemas need CloudNativePG 1.26.
package databases

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	"github.com/coredb-dev/coredb/internal/charset"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Extension is one extension of a database.
type Extension struct {
	Name    string // SQL extension name
	Schema  string // "" = CloudNativePG's search_path default ("$user", public)
	Version string // "" = the default version on disk; set, CNPG runs ALTER EXTENSION ... UPDATE TO it when it differs
	Absent  bool   // DROP EXTENSION IF EXISTS (no CASCADE)
}

// Database is the desired state of one database.
type Database struct {
	Name       string // the PostgreSQL database name, any characters
	Owner      string
	Schemas    []string // schemas to create, owned by Owner, before the extensions
	Extensions []Extension
}

// Manageable reports whether a Database object may name db: the CRD
// rejects postgres, template0 and template1 (cloudnativepg.md §4.1).
func Manageable(db string) bool {
	switch db {
	case "postgres", "template0", "template1":
		return false
	}
	return true
}

// Connectable reports whether CloudNativePG's instance manager can connect
// to database db to manage its extensions and schemas. It builds the
// connection string with the name unquoted, so a name with whitespace, a
// quote, a backslash or "=" reaches the server cut short: the e2e runtime
// stage saw CNPG 1.28.2 create database `Sales-EU "West"=1` and then fail
// every extension with `database "Sales-EU" does not exist`
// (docs/extensions.md, "Who runs the SQL"). Creating such a database
// through a Database object works; managing what is inside it does not.
func Connectable(db string) bool {
	return !strings.ContainsAny(db, " \t\n\r\f\v'\"\\=")
}

// maxName keeps object names within a DNS label, so tools that copy them
// into labels (Argo CD, kubectl) never have to truncate.
const maxName = 63

// Name is the object name of database db of a Cluster: <cluster>-<db> when
// db is a short DNS label, else <cluster>-db-<hash>: database names can hold
// any character ("Sales-EU \"West\"=1"). It never changes for a database:
// a new name would make a GitOps tool delete the old object and create a new
// one.
func Name(cluster, db string) string {
	// A DNS label can follow "<cluster>-" in an object name as is.
	if charset.DNSLabel(db) && len(cluster)+1+len(db) <= maxName {
		return cluster + "-" + db
	}
	sum := sha256.Sum256([]byte(db))
	h := hex.EncodeToString(sum[:])[:10]
	base := cluster
	if room := maxName - len("-db-") - len(h); len(base) > room {
		base = base[:room]
	}
	return base + "-db-" + h
}

// Object builds the Database object for db of cluster. meta carries the
// name, namespace, labels and annotations the caller wants.
//
// Schemas come before the extensions and extensions in order, as CNPG
// applies them (cloudnativepg.md §4.2); CNPG runs CREATE EXTENSION without
// CASCADE, so the caller lists what an extension requires before it. The
// reclaim policy is retain: removing the object from Git never drops the
// database.
func Object(cluster string, meta metav1.ObjectMeta, db Database) *cnpgv1.Database {
	o := &cnpgv1.Database{
		TypeMeta:   metav1.TypeMeta{APIVersion: "postgresql.cnpg.io/v1", Kind: "Database"},
		ObjectMeta: meta,
		Spec: cnpgv1.DatabaseSpec{
			ClusterRef:    corev1.LocalObjectReference{Name: cluster},
			Name:          db.Name,
			Owner:         db.Owner,
			Ensure:        cnpgv1.EnsurePresent,
			ReclaimPolicy: cnpgv1.DatabaseReclaimRetain,
		},
	}
	for _, s := range db.Schemas {
		o.Spec.Schemas = append(o.Spec.Schemas, cnpgv1.SchemaSpec{
			DatabaseObjectSpec: cnpgv1.DatabaseObjectSpec{Name: s, Ensure: cnpgv1.EnsurePresent},
			Owner:              db.Owner,
		})
	}
	for _, e := range db.Extensions {
		ensure := cnpgv1.EnsurePresent
		if e.Absent {
			ensure = cnpgv1.EnsureAbsent
		}
		o.Spec.Extensions = append(o.Spec.Extensions, cnpgv1.ExtensionSpec{
			DatabaseObjectSpec: cnpgv1.DatabaseObjectSpec{Name: e.Name, Ensure: ensure},
			Version:            e.Version,
			Schema:             e.Schema,
		})
	}
	return o
}
