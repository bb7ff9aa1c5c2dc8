# The test suite runs twice: on the embedded SQLite, then on PostgreSQL.
# PG names the server for the second run; each test gets its own database.
PG ?= postgres://postgres@127.0.0.1:5432/postgres
GO ?= go

.PHONY: test test-sqlite test-postgres vet run bench

test: vet test-sqlite test-postgres

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal web tenants migrations)" || (gofmt -l cmd internal web tenants migrations; echo "gofmt needed"; exit 1)

# The timeout is above go test's 10 minutes: internal/app starts the demo
# (a year of tickets and fees) several times and drives Chromium.
test-sqlite:
	$(GO) test -count=1 -timeout 30m ./...

# Outside CI the PostgreSQL run skips when no server answers; with CI=true
# it fails instead.
test-postgres:
	ESTATEDESK_TEST_POSTGRES=$(PG) $(GO) test -count=1 -timeout 30m ./...

run:
	$(GO) run ./cmd/estatedesk serve --demo

bench:
	bash .ci/bench/run.sh
