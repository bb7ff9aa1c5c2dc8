# The test suite runs twice: on the embedded SQLite, then on PostgreSQL.
# PG names the server for the second run; each test gets its own database.
PG ?= postgres://postgres@127.0.0.1:5432/postgres
GO ?= go

.PHONY: test test-sqlite test-postgres vet run bench

test: vet test-sqlite test-postgres

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal web tenants migrations)" || (gofmt -l cmd internal web tenants migrations; echo "gofmt needed"; exit 1)

test-sqlite:
	$(GO) test -count=1 ./...

# Outside CI the PostgreSQL run skips when no server answers; with CI=true
# it fails instead.
test-postgres:
	ESTATEDESK_TEST_POSTGRES=$(PG) $(GO) test -count=1 ./...

run:
	$(GO) run ./cmd/estatedesk serve --demo

bench:
	bash .ci/bench/run.sh
