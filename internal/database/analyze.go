package database

import (
	"context"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// Analyze refreshes the planner's statistics of the named tables (all of
// the application's when none is named) after a bulk write: autovacuum
// may be off, or take minutes to notice, and until then the planner
// reckons with the tables as they were (empty, after a first import).
// It runs as the schema's owner through a function the migrations create,
// since ANALYZE needs the owner and the application's role owns nothing.
// SQLite plans without statistics unless they are gathered, and the
// application's queries are tuned that way: there it does nothing.
func (db *DB) Analyze(ctx context.Context, tables ...string) error {
	if !db.Postgres() {
		return nil
	}
	if tables == nil {
		tables = []string{}
	}
	_, err := db.Bun.ExecContext(ctx, "SELECT estatedesk_analyze(?)", pgdialect.Array(tables))
	return Normalize(err)
}
