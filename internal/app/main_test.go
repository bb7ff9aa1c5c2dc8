package app

import (
	"testing"

	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

// TestMain drops the PostgreSQL template database that dbtest builds when
// ESTATEDESK_TEST_POSTGRES is set.
func TestMain(m *testing.M) { dbtest.Main(m) }
