package database

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Errors every store returns instead of driver errors, so that services and
// the HTTP layer never look at a driver.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Normalize maps driver errors onto ErrNotFound and ErrConflict, keeping the
// original in the chain for the log.
func Normalize(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errors.Join(ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code == "23505" {
			return errors.Join(ErrConflict, err)
		}
		return err
	}
	// modernc reports constraint failures as text with extended codes.
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "PRIMARY KEY constraint failed") ||
		strings.Contains(msg, "(2067)") || strings.Contains(msg, "(1555)") {
		return errors.Join(ErrConflict, err)
	}
	return err
}
