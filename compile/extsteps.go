package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/coredb-dev/coredb/compile/databases"
	"github.com/coredb-dev/coredb/compile/sources"
	"github.com/coredb-dev/coredb/extensions"
)

// Which step creates, updates and drops each database's extensions
// (docs/extensions.md, "Who runs the SQL"):
//
//   - every database but postgres (and template1): a CloudNativePG Database
//     object (CNPG 1.26+). The instance manager applies it as the superuser,
//     retries every 30 s, reports per extension in its status, needs no
//     password and never blocks a sync. Schemas it creates belong to the
//     database's owner. It pins an extension's version where coredb knows
//     the version the source ships, so a new image reaches ALTER EXTENSION
//     ... UPDATE TO;
//   - a database whose name has whitespace, a quote, a backslash or "=": a
//     Database object creates it, but CloudNativePG cannot connect to it to
//     manage its extensions (databases.Connectable), so coredb's SQL Job
//     does, as for postgres below;
//   - postgres, template1, and every database before CNPG 1.26: coredb's SQL
//     Job, which logs in as the superuser. Superuser access is never turned
//     on as a side effect: the spec (superuserAccess) or --superuser-access
//     must say so, else the location is an error. With superuser access the
//     Job also runs ALTER EXTENSION ... UPDATE in the databases Database
//     objects manage, so a change of what is installed reaches every
//     extension, pinned version or not.

// componentDatabases labels the Database objects.
const componentDatabases = "extensions"

// dbOwner owns the databases coredb's Database objects manage: the owner
// CloudNativePG's initdb bootstrap creates, which the <name>-app Secret
// logs in as.
const dbOwner = "app"

// superuser reports whether superuser access is on, and from where.
func (b *build) superuser() bool {
	if s := b.db.Spec.SuperuserAccess; s != nil {
		return *s
	}
	return b.opts.SuperuserAccess
}

// splitSteps assigns each database to its step. Database objects need
// CNPG 1.26 for extensions and schemas (cloudnativepg.md §4).
func (b *build) splitSteps(dbs []extDatabase) (managed, sqlDBs []extDatabase) {
	objects := !b.cnpg.Less(Version{1, 26, 0})
	for _, db := range dbs {
		switch {
		case objects && databases.Manageable(db.name) && databases.Connectable(db.name):
			managed = append(managed, db)
		case objects && databases.Manageable(db.name):
			// A Database object still creates it (that works); the SQL Job
			// manages its extensions.
			managed = append(managed, extDatabase{name: db.name})
			sqlDBs = append(sqlDBs, db)
		default:
			sqlDBs = append(sqlDBs, db)
		}
	}
	if len(sqlDBs) > 0 && !b.superuser() {
		for _, db := range sqlDBs {
			why := fmt.Sprintf("CloudNativePG's Database objects cannot manage database %q", db.name)
			switch {
			case !objects:
				why = "CloudNativePG " + b.cnpg.String() + " has no Database objects for extensions (1.26 has)"
			case databases.Manageable(db.name):
				why = fmt.Sprintf("CloudNativePG's instance manager cannot connect to database %q to manage its extensions (it puts the name into a connection string unquoted: whitespace, quotes, a backslash or \"=\" cut it short)", db.name)
			}
			a := db.actions[0]
			b.errorf(a.path+".database", "extension %q in database %q needs coredb's SQL Job, which logs in as the superuser: %s. Set spec.superuserAccess: true (or render with --superuser-access) to allow it, or move the extension to another database (e.g. app), which a Database object manages without superuser access",
				a.Name, db.name, why)
		}
		return managed, nil
	}
	if b.superuser() {
		// The update step for what Database objects manage.
		for _, db := range managed {
			var upd []ExtAction
			for _, a := range db.actions {
				if a.Enable {
					upd = append(upd, ExtAction{Name: a.Name, Enable: true, UpdateOnly: true, path: a.path})
				}
			}
			if len(upd) > 0 {
				sqlDBs = append(sqlDBs, extDatabase{name: db.name, actions: upd})
			}
		}
		slices.SortFunc(sqlDBs, func(x, y extDatabase) int { return strings.Compare(x.name, y.name) })
	}
	return managed, sqlDBs
}

// databaseObjects emits one Database object per managed database.
func (b *build) databaseObjects(dbs []extDatabase) {
	for _, db := range dbs {
		d := databases.Database{Name: db.name, Owner: dbOwner}
		placed := map[string]bool{}
		var add func(a ExtAction, depth int)
		add = func(a ExtAction, depth int) {
			if placed[a.Name] || depth > 8 {
				return
			}
			placed[a.Name] = true
			if entry, ok := extensions.Lookup(a.Name); ok && a.Enable {
				// CloudNativePG runs CREATE EXTENSION without CASCADE: what
				// an extension requires comes first, in its schema when it
				// can move there (what CASCADE would do).
				for _, r := range entry.Requires {
					req := ExtAction{Name: r, Enable: true, path: a.path}
					if re, ok := extensions.Lookup(r); ok && re.Relocatable {
						req.Schema = a.Schema
					}
					if i := slices.IndexFunc(db.actions, func(x ExtAction) bool { return x.Name == r }); i >= 0 {
						if !db.actions[i].Enable {
							b.errorf(db.actions[i].path+".enabled", "extension %q in database %q requires %q, which this location drops; keep %q or drop %q too", a.Name, db.name, r, r, a.Name)
							continue
						}
						req = db.actions[i]
					}
					add(req, depth+1)
				}
			}
			if a.Enable && a.Schema != "" && !slices.Contains(d.Schemas, a.Schema) && !strings.HasPrefix(a.Schema, "pg_") {
				d.Schemas = append(d.Schemas, a.Schema)
			}
			d.Extensions = append(d.Extensions, databases.Extension{Name: a.Name, Schema: a.Schema, Version: b.shippedVersion(a), Absent: !a.Enable})
		}
		for _, a := range db.actions {
			add(a, 0)
		}
		meta := b.objectMeta(databases.Name(b.db.Metadata.Name, db.name), componentDatabases)
		b.add(databases.Object(b.db.Metadata.Name, meta, d))
	}
}

// shippedVersion is the version of an extension its source is known to
// ship, "" when coredb does not know it: then the Database object names no
// version and CloudNativePG creates the default one.
func (b *build) shippedVersion(a ExtAction) string {
	if !a.Enable {
		return ""
	}
	for _, it := range b.res.items {
		if it.key != a.Name && !(it.known && slices.Contains(it.entry.SQL, a.Name)) {
			continue
		}
		if it.src.Kind == sources.FromExtensionImage || it.src.Kind == sources.FromDeclaredExtension || it.src.Kind == sources.FromImage {
			return it.src.Version
		}
	}
	return ""
}

// checkPreloaded fails an enabled extension whose own library is not
// preloaded. coredb does not add it by itself: listed in the settings, the
// library stays preloaded when the extension's entry is later removed, so a
// created extension never loses it (only enabled: false drops the
// extension).
func (b *build) checkPreloaded(path, name string, e extensions.Entry) {
	if e.Preload == "" || e.PreloadOptional || e.CNPGManaged != "" || slices.Contains(b.preloaded, e.Preload) {
		return
	}
	b.errorf(path+".enabled", "extension %q needs library %q in shared_preload_libraries (Postgres must load it at start): add {name: shared_preload_libraries, value: %s} to spec.runtime_config. coredb does not add it for you: listed there, it stays loaded when you later remove this entry, which leaves the extension in place",
		name, e.Preload, e.Preload)
}
