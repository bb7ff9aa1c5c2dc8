// Package migrations embeds the SQL migrations. Each file is one set for both
// dialects, rendered as a Go template with database.MigrationData so that the
// IDs can never drift apart between SQLite and PostgreSQL.
package migrations

import "embed"

//go:embed *.sql
var FS embed.FS
