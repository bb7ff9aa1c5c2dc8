// Package database opens the SQLite or PostgreSQL database, runs the embedded
// migrations, scopes work to one tenant and normalizes driver errors.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
	"github.com/uptrace/bun/schema"
)

// AppRole is the PostgreSQL role the application works as. It owns nothing
// and cannot bypass row-level security; the migrations create it.
const AppRole = "estatedesk_app"

// PlatformRole is the only role the row-level security policies let see
// every company. The platform pool takes it; the tenant pool cannot.
const PlatformRole = "estatedesk_platform"

// TenantLogin is the login role, a member of AppRole alone, that the
// tenant pool connects as when Options.TenantURL names it.
const TenantLogin = "estatedesk_tenant"

// Options says which database to open.
type Options struct {
	// URL is a postgres:// URL; empty means the embedded SQLite file in DataDir.
	URL     string
	DataDir string
	// TenantURL is the postgres:// URL the tenant pool logs in with: a role
	// that may take AppRole and nothing else (TenantLogin), so that no
	// statement on it can reach PlatformRole. Empty: URL's own user, which
	// then takes AppRole by SET ROLE — and could take PlatformRole too.
	TenantURL string
	// MaxConns bounds the PostgreSQL pool.
	MaxConns int32
}

// DB is the application's handle. Everything but migrations goes through
// Bun, whose connections are subject to row-level security on PostgreSQL.
//
// On SQLite, writes go through one connection that takes the write lock at
// BEGIN, and reads through a pool of read-only connections: WAL lets them
// run beside the writer, where a shared pool would make every reader queue
// for the write lock.
type DB struct {
	Bun  *bun.DB
	read *bun.DB
	opts Options
	pool *pgxpool.Pool
	// platform is where InPlatform works: on PostgreSQL a small pool of
	// the URL's own user as PlatformRole, on SQLite the writer.
	platform     *bun.DB
	platformPool *pgxpool.Pool
	inv          invalidation
}

// Reader is the handle for queries outside a transaction that only read.
func (db *DB) Reader() bun.IDB { return db.read }

// Postgres reports whether the database is PostgreSQL.
func (db *DB) Postgres() bool { return db.pool != nil }

// Pool is the pgx pool behind Bun on PostgreSQL (nil on SQLite); metrics read it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes every connection.
func (db *DB) Close() error {
	db.stopListening()
	err := db.Bun.Close()
	if db.read != db.Bun {
		db.read.Close()
	}
	if db.pool != nil {
		db.pool.Close()
	}
	if db.platformPool != nil {
		db.platform.Close()
		db.platformPool.Close()
	}
	return err
}

// IsPostgresURL tells a PostgreSQL URL from the SQLite default.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// SQLitePath is where the embedded database lives inside the data directory.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, "estatedesk.db") }

func sqliteDSN(path string) string {
	// Immediate transactions take the write lock at BEGIN, so a writer never
	// fails upgrading a read lock; busy_timeout covers other processes (the
	// CLI beside a running server).
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

func sqliteReadDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=query_only(1)&_txlock=deferred"
}

// Open opens the application's connections. On PostgreSQL every pooled
// connection switches to AppRole, so row-level security applies to all of
// the application's queries; run Migrate first so that the role exists.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if !IsPostgresURL(opts.URL) {
		if opts.URL != "" {
			return nil, fmt.Errorf("database: unsupported URL %q (want postgres://…, or empty for SQLite)", redact(opts.URL))
		}
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("database: data directory: %w", err)
		}
		path := SQLitePath(opts.DataDir)
		w, err := sql.Open(sqliteshim.ShimName, sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("database: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		r, err := sql.Open(sqliteshim.ShimName, sqliteReadDSN(path))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("database: open sqlite: %w", err)
		}
		n := max(4, runtime.GOMAXPROCS(0)*2)
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxIdleTime(0)
		writer := bun.NewDB(w, sqlitedialect.New())
		return &DB{Bun: writer, read: bun.NewDB(r, sqlitedialect.New()), platform: writer, opts: opts}, nil
	}

	tenantURL := opts.URL
	if opts.TenantURL != "" {
		tenantURL = opts.TenantURL
	}
	pool, err := openPool(ctx, tenantURL, AppRole, opts.MaxConns)
	if err != nil {
		return nil, err
	}
	// Platform work is rare (sign-in's memberships, the console, the
	// authorization loader, sweeps): half as many connections.
	platformPool, err := openPool(ctx, opts.URL, PlatformRole, max(opts.MaxConns/2, 2))
	if err != nil {
		pool.Close()
		return nil, err
	}
	b := bun.NewDB(stdlib.OpenDBFromPool(pool), pgdialect.New())
	return &DB{Bun: b, read: b, opts: opts, pool: pool,
		platform: bun.NewDB(stdlib.OpenDBFromPool(platformPool), pgdialect.New()), platformPool: platformPool}, nil
}

// openPool connects to url with every connection taking role.
func openPool(ctx context.Context, url, role string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: parse url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	// Bun writes every value into the SQL text, so no two statements are
	// alike: pgx's default of preparing and caching each one would cost a
	// second round trip and a server-side plan per statement, for nothing.
	// One round trip, no prepared statement; pgx quotes the few bound
	// arguments (River's) itself.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// pgx reads timestamptz in the process's local zone; the API writes
		// every instant in UTC, as SQLite reads them, whatever TZ the
		// server runs with.
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		_, err := c.Exec(ctx, "SET ROLE "+role)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: connect: %w", err)
	}
	return pool, nil
}

// openOwner opens a connection as the URL's own user (the schema owner), for
// migrations only.
func openOwner(opts Options) (*bun.DB, error) {
	if !IsPostgresURL(opts.URL) {
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("database: data directory: %w", err)
		}
		sqldb, err := sql.Open(sqliteshim.ShimName, sqliteDSN(SQLitePath(opts.DataDir)))
		if err != nil {
			return nil, err
		}
		sqldb.SetMaxOpenConns(1)
		return bun.NewDB(sqldb, sqlitedialect.New()), nil
	}
	cfg, err := pgx.ParseConfig(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("database: parse url: %w", err)
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(1)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	// The readers: on SQLite the one writer connection may be busy with a
	// long import for many seconds, which does not make the database
	// unreachable.
	return db.read.PingContext(ctx)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

// QueryBound runs a PostgreSQL statement with bound parameters ($1, $2…)
// as a statement each connection prepares once and keeps, so it is planned
// once per connection instead of on every call, and its values travel in
// binary instead of as text PostgreSQL must parse, as with bun's
// statements. For the few statements of hot paths; PostgreSQL only.
func QueryBound(ctx context.Context, tx bun.Tx, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, query, bound(args)...)
}

// ExecBound is QueryBound for a statement without rows.
func ExecBound(ctx context.Context, tx bun.Tx, query string, args ...any) error {
	_, err := tx.Tx.ExecContext(ctx, query, bound(args)...)
	return err
}

func bound(args []any) []any {
	out := make([]any, 0, len(args)+1)
	out = append(out, pgx.QueryExecModeCacheStatement)
	for _, a := range args {
		// pgx sends [16]byte as a binary uuid; a uuid.UUID would go
		// through its driver.Valuer, as text to be parsed again.
		switch v := a.(type) {
		case uuid.UUID:
			a = [16]byte(v)
		case []uuid.UUID:
			b := make([][16]byte, len(v))
			for i := range v {
				b[i] = v[i]
			}
			a = b
		}
		out = append(out, a)
	}
	return out
}

// BoundInsert is the INSERT of a slice of bun models (every column of
// their table) with one array parameter per column, followed by suffix
// (ON CONFLICT…, RETURNING…), for QueryBound or ExecBound. Its text
// depends only on the table, so each connection prepares it once; the
// values travel in binary, a column at a time. Columns may be uuids,
// times, strings, booleans and integers, or pointers to them for NULL.
func BoundInsert(tx bun.Tx, models any, suffix string) (string, []any) {
	rows := reflect.Indirect(reflect.ValueOf(models))
	typ := rows.Type().Elem()
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	table := tx.Dialect().Tables().Get(typ)
	args := make([]any, len(table.Fields))
	for j, f := range table.Fields {
		args[j] = boundColumn(f, rows)
	}
	key := string(table.SQLName) + " " + suffix
	if q, ok := boundInserts.Load(key); ok {
		return q.(string), args
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (", table.SQLName)
	for j, f := range table.Fields {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(f.SQLName))
	}
	b.WriteString(") SELECT * FROM unnest(")
	for j, a := range args {
		if j > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d::%s[]", j+1, boundTypes[reflect.TypeOf(a)])
	}
	b.WriteString(") ")
	b.WriteString(suffix)
	boundInserts.Store(key, b.String())
	return b.String(), args
}

// boundInserts caches BoundInsert's statements by table and suffix.
var boundInserts sync.Map

var (
	uuidType = reflect.TypeFor[uuid.UUID]()
	timeType = reflect.TypeFor[time.Time]()
	// boundTypes are the SQL array types of boundColumn's columns.
	boundTypes = map[reflect.Type]string{
		reflect.TypeFor[[]pgtype.UUID]():        "uuid",
		reflect.TypeFor[[]pgtype.Timestamptz](): "timestamptz",
		reflect.TypeFor[[]pgtype.Text]():        "text",
		reflect.TypeFor[[]pgtype.Bool]():        "boolean",
		reflect.TypeFor[[]pgtype.Int8]():        "bigint",
	}
)

// boundColumn is one field of every row, as the pgx array of its type.
func boundColumn(f *schema.Field, rows reflect.Value) any {
	n := rows.Len()
	// at is the row's value of the field; false for NULL.
	at := func(i int) (reflect.Value, bool) {
		v := f.Value(reflect.Indirect(rows.Index(i)))
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return v, false
			}
			v = v.Elem()
		}
		return v, true
	}
	switch t := f.IndirectType; {
	case t == uuidType:
		col := make([]pgtype.UUID, n)
		for i := range col {
			if v, ok := at(i); ok {
				col[i] = pgtype.UUID{Bytes: v.Interface().(uuid.UUID), Valid: true}
			}
		}
		return col
	case t == timeType:
		col := make([]pgtype.Timestamptz, n)
		for i := range col {
			if v, ok := at(i); ok {
				col[i] = pgtype.Timestamptz{Time: v.Interface().(time.Time), Valid: true}
			}
		}
		return col
	case t.Kind() == reflect.String:
		col := make([]pgtype.Text, n)
		for i := range col {
			if v, ok := at(i); ok {
				col[i] = pgtype.Text{String: v.String(), Valid: true}
			}
		}
		return col
	case t.Kind() == reflect.Bool:
		col := make([]pgtype.Bool, n)
		for i := range col {
			if v, ok := at(i); ok {
				col[i] = pgtype.Bool{Bool: v.Bool(), Valid: true}
			}
		}
		return col
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		col := make([]pgtype.Int8, n)
		for i := range col {
			if v, ok := at(i); ok {
				col[i] = pgtype.Int8{Int64: v.Int(), Valid: true}
			}
		}
		return col
	}
	panic(fmt.Sprintf("database: BoundInsert: column %s has type %s", f.Name, f.IndirectType))
}

// TxFunc is work done inside one transaction.
type TxFunc func(ctx context.Context, tx bun.Tx) error

// InTenant runs fn in a transaction that can see only tenantID's rows: on
// PostgreSQL the row-level security policies read app.tenant_id. Queries must
// still name the tenant explicitly; this is the second wall, not the first.
func (db *DB) InTenant(ctx context.Context, tenantID uuid.UUID, fn TxFunc) error {
	return db.inTx(ctx, db.Bun, false, tenantID.String(), fn)
}

// ReadTenant is InTenant for work that only reads.
func (db *DB) ReadTenant(ctx context.Context, tenantID uuid.UUID, fn TxFunc) error {
	return db.inTx(ctx, db.read, true, tenantID.String(), fn)
}

// InTenantUnflushed is InTenant whose commit does not wait for the WAL to
// reach the disk on PostgreSQL (synchronous_commit off, for this
// transaction only): a crash of the database server may lose it. Only for
// work nobody is told of before a later transaction that reads it commits
// normally — that commit's flush takes the WAL before it, this one's
// included. (SQLite: InTenant.)
func (db *DB) InTenantUnflushed(ctx context.Context, tenantID uuid.UUID, fn TxFunc) error {
	return db.inTx(ctx, db.Bun, false, tenantID.String(), fn, unflushed)
}

// unflushed is inTx's option for InTenantUnflushed.
const unflushed = true

// InPlatform runs fn in a transaction that sees every tenant: sign-in (which
// lists a person's memberships), invitation links, the platform console,
// the authorization loader and the ticket timer sweep (which only reads
// which tickets are due, then works each in its tenant). Use it for
// nothing else. On PostgreSQL it runs on the platform pool, as the one
// role the policies let see every company.
func (db *DB) InPlatform(ctx context.Context, fn TxFunc) error {
	return db.inTx(ctx, db.platform, false, "", fn)
}

// ReadPlatform is InPlatform for work that only reads.
func (db *DB) ReadPlatform(ctx context.Context, fn TxFunc) error {
	if !db.Postgres() {
		return db.inTx(ctx, db.read, true, "", fn)
	}
	return db.inTx(ctx, db.platform, true, "", fn)
}

// inTx runs fn in a transaction on handle, scoped to tenant on PostgreSQL
// when one is given.
//
// noFlush (InTenantUnflushed) turns synchronous_commit off in the same
// round trip as the tenant's setting.
func (db *DB) inTx(ctx context.Context, handle *bun.DB, readOnly bool, tenant string, fn TxFunc, noFlush ...bool) error {
	err := handle.RunInTx(ctx, &sql.TxOptions{ReadOnly: readOnly && db.Postgres()}, func(ctx context.Context, tx bun.Tx) error {
		if db.Postgres() && tenant != "" {
			q := "SELECT set_config('app.tenant_id', ?, true)"
			if len(noFlush) > 0 && noFlush[0] {
				q += ", set_config('synchronous_commit', 'off', true)"
			}
			if _, err := tx.ExecContext(ctx, q, tenant); err != nil {
				return err
			}
		}
		return fn(ctx, tx)
	})
	return Normalize(err)
}
